package dev.credits;

/**
 * How far below zero a wallet's available balance may go: a number of units, or unlimited.
 * Rendered as a decimal string or {@code "unlimited"}.
 */
public record OverdraftLimit(boolean unlimited, long units) {

    public static final String UNLIMITED_TEXT = "unlimited";
    /** The stored form of "unlimited"; a finite limit is never negative. */
    public static final long UNLIMITED_UNITS = -1;

    public OverdraftLimit {
        if (!unlimited && units < 0) {
            throw new IllegalArgumentException("overdraft limit must not be negative");
        }
        if (unlimited) {
            units = 0;
        }
    }

    public static OverdraftLimit none() {
        return new OverdraftLimit(false, 0);
    }

    public static OverdraftLimit ofUnlimited() {
        return new OverdraftLimit(true, 0);
    }

    public static OverdraftLimit of(long units) {
        return new OverdraftLimit(false, units);
    }

    /** Parses {@code "unlimited"} or a non-negative decimal in the credit type's scale. */
    public static OverdraftLimit parse(String text, int scale) {
        if (UNLIMITED_TEXT.equals(text)) {
            return ofUnlimited();
        }
        Amount amount = Amount.parse(text, scale);
        if (amount.units() < 0) {
            throw new InvalidAmountException("overdraft limit must not be negative, was " + text);
        }
        return of(amount.units());
    }

    /** The stored form: {@link #UNLIMITED_UNITS} or the limit in units. */
    public long toStoredUnits() {
        return unlimited ? UNLIMITED_UNITS : units;
    }

    public static OverdraftLimit fromStoredUnits(long stored) {
        return stored == UNLIMITED_UNITS ? ofUnlimited() : of(stored);
    }

    /** True when an available balance of {@code availableAfterUnits} is within this limit. */
    public boolean isUnlimited() {
        return unlimited;
    }

    public boolean permits(long availableAfterUnits) {
        return unlimited || availableAfterUnits >= -units;
    }

    public String render(int scale) {
        return unlimited ? UNLIMITED_TEXT : Amount.render(units, scale);
    }
}
