package dev.credits;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The times credits accepts: from {@link #MIN} to {@link #MAX} (years 0001 to 9999, which
 * ISO-8601 writes with four digits and PostgreSQL stores exactly), to the microsecond.
 * PostgreSQL keeps microseconds, so a finer time is truncated to the microsecond before it is
 * used, and what is answered is what is stored.
 */
public final class Times {
    public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");

    private Times() {
    }

    /**
     * Returns {@code time} truncated to the microsecond (null stays null), or throws
     * {@link ValidationException} on {@code field} when it lies outside {@link #MIN}..{@link #MAX}.
     */
    public static Instant require(String field, Instant time) {
        if (time == null) {
            return null;
        }
        Instant stored = time.truncatedTo(ChronoUnit.MICROS);
        if (stored.isBefore(MIN) || stored.isAfter(MAX)) {
            throw new ValidationException(field, "must be between " + MIN + " and " + MAX
                    + ", was " + time);
        }
        return stored;
    }
}
