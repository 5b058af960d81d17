package dev.credits.ai;

import java.util.Locale;

/** What a response without usage does ({@code ai.missing_usage}); never a charge of zero. */
public enum MissingUsage {
    /** Throw {@link UsageMissingException}; the call stays reserved. The default. */
    ERROR,
    /** Charge the reserved maximum: all tokens as the dearest kind. */
    CHARGE_RESERVED;

    /** {@code error} or {@code charge_reserved}; {@link IllegalArgumentException} otherwise. */
    public static MissingUsage parse(String text) {
        for (MissingUsage value : values()) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("must be error or charge_reserved, was '" + text + "'");
    }
}
