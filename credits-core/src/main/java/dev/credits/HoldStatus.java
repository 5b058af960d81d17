package dev.credits;

import java.util.Locale;

/** The life of a hold: held until captured, released, or expired by itself. */
public enum HoldStatus {
    HELD, CAPTURED, RELEASED, EXPIRED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
