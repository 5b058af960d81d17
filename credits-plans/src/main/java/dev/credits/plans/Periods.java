package dev.credits.plans;

import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Pure period arithmetic, in UTC, with no I/O.
 *
 * <p>The n-th monthly anniversary of an anchor is the anchor plus n months, always counted from
 * the anchor, so a day that a shorter month lacks falls on that month's last day and the anchor
 * day comes back afterwards: Jan 31 → Feb 28 (29) → Mar 31 → Apr 30 → May 31.
 *
 * <p>Proration is exact integer arithmetic on microseconds (the database's precision), rounded
 * down: a customer is never granted a fraction of a unit that was not earned, and a void never
 * takes a fraction of a unit more than the time share.
 */
public final class Periods {
    public static final int MONTHS_PER_YEAR = 12;

    /** A half-open span of time {@code [start, end)}. */
    public record Span(Instant start, Instant end) {
        public boolean contains(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }
    }

    private Periods() {
    }

    /** The anchor plus {@code months} months, clamped to the end of a shorter month. */
    public static Instant anniversary(Instant anchor, long months) {
        if (months < 0) {
            throw new IllegalArgumentException("months must not be negative, was " + months);
        }
        return anchor.atOffset(ZoneOffset.UTC).plusMonths(months).toInstant();
    }

    /** The number of the monthly period that contains {@code t} (0 from the anchor on). */
    public static long monthIndex(Instant anchor, Instant t) {
        if (t.isBefore(anchor)) {
            throw new IllegalArgumentException(t + " is before the anchor " + anchor);
        }
        long n = ChronoUnit.MONTHS.between(anchor.atOffset(ZoneOffset.UTC),
                t.atOffset(ZoneOffset.UTC));
        // MONTHS.between counts whole months by day of month, which a clamped anniversary can
        // miss by a day or two; settle on the exact one.
        while (!anniversary(anchor, n + 1).isAfter(t)) {
            n++;
        }
        while (n > 0 && anniversary(anchor, n).isAfter(t)) {
            n--;
        }
        return n;
    }

    /** The monthly allowance period that contains {@code t}. */
    public static Span allowancePeriod(Instant anchor, Instant t) {
        long n = monthIndex(anchor, t);
        return new Span(anniversary(anchor, n), anniversary(anchor, n + 1));
    }

    /** The billing period (a month or a year from the anchor's anniversaries) containing t. */
    public static Span billingPeriod(Instant anchor, Interval interval, Instant t) {
        long n = monthIndex(anchor, t) / interval.months() * interval.months();
        return new Span(anniversary(anchor, n), anniversary(anchor, n + interval.months()));
    }

    /** True when {@code t} is one of the anchor's monthly anniversaries (the anchor included). */
    public static boolean isAnniversary(Instant anchor, Instant t) {
        return !t.isBefore(anchor) && anniversary(anchor, monthIndex(anchor, t)).equals(t);
    }

    /**
     * {@code units × part / whole}, rounded down, computed exactly. {@code part} and
     * {@code whole} are microsecond counts with {@code 0 <= part <= whole}, {@code whole > 0}.
     */
    public static long prorate(long units, long partMicros, long wholeMicros) {
        if (wholeMicros <= 0 || partMicros < 0 || partMicros > wholeMicros || units < 0) {
            throw new IllegalArgumentException("prorate needs 0 <= part <= whole, 0 < whole and"
                    + " units >= 0: " + units + ", " + partMicros + ", " + wholeMicros);
        }
        return BigInteger.valueOf(units).multiply(BigInteger.valueOf(partMicros))
                .divide(BigInteger.valueOf(wholeMicros)).longValueExact();
    }

    /** The share of {@code units} that belongs to {@code [from, span.end)} of a span. */
    public static long shareOfRest(long units, Instant spanStart, Instant spanEnd, Instant from) {
        return prorate(units, micros(from, spanEnd), micros(spanStart, spanEnd));
    }

    public static long micros(Instant from, Instant to) {
        return ChronoUnit.MICROS.between(from, to);
    }
}
