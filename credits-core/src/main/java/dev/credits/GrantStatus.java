package dev.credits;

import java.util.Locale;

/**
 * The life of a grant: scheduled until its {@code effective_at} if that was in the future when it
 * was made; then active until depleted, expired or voided. A scheduled grant can be voided.
 */
public enum GrantStatus {
    ACTIVE, DEPLETED, EXPIRED, VOIDED, SCHEDULED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
