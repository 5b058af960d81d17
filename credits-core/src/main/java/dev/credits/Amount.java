package dev.credits;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * An exact amount of one credit type: a {@code long} count of the type's smallest unit and the
 * type's scale (decimal places, 0–9). {@code Amount.parse("10.50", 2)} is 1050 units.
 *
 * <p>Parsing never rounds: more decimals than the scale, more than {@link #WHOLE_MAX} whole
 * credits, or a value that does not fit a {@code long} is an {@link InvalidAmountException}.
 */
public record Amount(long units, int scale) implements Comparable<Amount> {

    /** The largest magnitude of one operation, in whole credits (10^12). */
    public static final long WHOLE_MAX = 1_000_000_000_000L;
    /** The largest scale a credit type may have. */
    public static final int SCALE_MAX = 9;

    /** The most digits an amount's text may have on either side of the point. */
    static final int DIGITS_MAX = 40;
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,40}(\\.[0-9]{1,40})?");
    private static final BigDecimal WHOLE_MAX_DECIMAL = BigDecimal.valueOf(WHOLE_MAX);

    public Amount {
        if (scale < 0 || scale > SCALE_MAX) {
            throw new IllegalArgumentException("scale must be 0.." + SCALE_MAX + ", was " + scale);
        }
    }

    public static Amount ofUnits(long units, int scale) {
        return new Amount(units, scale);
    }

    public static Amount zero(int scale) {
        return new Amount(0, scale);
    }

    /** Parses a decimal string such as {@code "10.50"} or {@code "-3"}; no exponent, no sign '+'. */
    public static Amount parse(String text, int scale) {
        if (text == null || text.isEmpty()) {
            throw new InvalidAmountException("amount is required");
        }
        if (!DECIMAL.matcher(text).matches()) {
            throw new InvalidAmountException("amount '" + abbreviate(text) + "' is not a decimal number");
        }
        return parse(new BigDecimal(text), scale);
    }

    /** Converts an exact decimal, for example a JSON number; rejects, never rounds. */
    public static Amount parse(BigDecimal value, int scale) {
        if (value == null) {
            throw new InvalidAmountException("amount is required");
        }
        // A JSON number like 1e999999999 is a small BigDecimal that would take seconds and
        // gigabytes to render or compare: refuse anything far outside the range first.
        if (value.precision() > DIGITS_MAX || value.scale() > DIGITS_MAX
                || value.precision() - value.scale() > DIGITS_MAX) {
            throw new InvalidAmountException("amount is out of range (at most " + WHOLE_MAX
                    + " and " + SCALE_MAX + " decimal places)");
        }
        if (value.scale() > scale) {
            throw new InvalidAmountException("amount " + value.toPlainString() + " has "
                    + value.scale() + " decimal places; this credit type allows at most " + scale);
        }
        if (value.abs().compareTo(WHOLE_MAX_DECIMAL) > 0) {
            throw new InvalidAmountException("amount " + value.toPlainString()
                    + " is larger than the maximum of " + WHOLE_MAX + " per operation");
        }
        try {
            return new Amount(value.movePointRight(scale).longValueExact(), scale);
        } catch (ArithmeticException e) {
            throw new InvalidAmountException("amount " + value.toPlainString()
                    + " does not fit this credit type's range");
        }
    }

    /** Parses an amount that must be greater than zero. */
    public static Amount parsePositive(String text, int scale) {
        Amount amount = parse(text, scale);
        if (amount.units <= 0) {
            throw new InvalidAmountException("amount must be greater than zero, was " + text);
        }
        return amount;
    }

    public boolean isPositive() {
        return units > 0;
    }

    public boolean isZero() {
        return units == 0;
    }

    public Amount plus(Amount other) {
        requireSameScale(other);
        return new Amount(Math.addExact(units, other.units), scale);
    }

    public Amount minus(Amount other) {
        requireSameScale(other);
        return new Amount(Math.subtractExact(units, other.units), scale);
    }

    public Amount negate() {
        return new Amount(Math.negateExact(units), scale);
    }

    /** The exact decimal value; for rendering and for callers that need arithmetic on text. */
    public BigDecimal toBigDecimal() {
        return BigDecimal.valueOf(units, scale);
    }

    /** Renders with exactly {@code scale} digits after the point, e.g. {@code "10.50"}. */
    @Override
    public String toString() {
        return render(units, scale);
    }

    public static String render(long units, int scale) {
        return BigDecimal.valueOf(units, scale).toPlainString();
    }

    @Override
    public int compareTo(Amount other) {
        requireSameScale(other);
        return Long.compare(units, other.units);
    }

    private void requireSameScale(Amount other) {
        if (other.scale != scale) {
            throw new IllegalArgumentException("amounts of scale " + scale + " and " + other.scale
                    + " cannot be combined");
        }
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
