package dev.credits;

import java.util.Locale;

/** The life of a grant: active until depleted, expired or voided. */
public enum GrantStatus {
    ACTIVE, DEPLETED, EXPIRED, VOIDED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
