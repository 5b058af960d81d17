package dev.credits.ai;

import java.util.Locale;

/**
 * Where an AI call is: {@code reserved} (its maximum cost held) → {@code completing} (priced;
 * the ledger settlement may still have to be issued) → {@code completed}. A reserved call may
 * instead be {@code cancelled}, {@code expired} (its hold ran out) or {@code failed} (the
 * callback threw).
 */
public enum AiCallStatus {
    RESERVED, COMPLETING, COMPLETED, CANCELLED, EXPIRED, FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static AiCallStatus parse(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }

    /** Priced: counted in usage totals and spend limits at its charged credits. */
    public boolean isPriced() {
        return this == COMPLETING || this == COMPLETED;
    }
}
