package dev.credits.plans;

import java.util.Locale;

/**
 * How often a plan is billed. Both intervals receive their allowance every month; the interval
 * decides the billing period, which is what a cancellation "at period end" waits for.
 */
public enum Interval {
    MONTH(1), YEAR(Periods.MONTHS_PER_YEAR);

    private final int months;

    Interval(int months) {
        this.months = months;
    }

    /** The length of one billing period in months. */
    public int months() {
        return months;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code month} or {@code year}; null for anything else. */
    public static Interval parse(String text) {
        for (Interval interval : values()) {
            if (interval.wireName().equals(text)) {
                return interval;
            }
        }
        return null;
    }
}
