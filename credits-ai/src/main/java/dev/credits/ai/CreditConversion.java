package dev.credits.ai;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Nano-USD to credit units, exactly: {@code units = nanoUsd × factor / denominator}, where
 * {@code factor / denominator = creditsPerUsd × (1 + markupPercent / 100) × 10^scale / 10^9},
 * reduced. The part of a unit that a call does not make whole is not rounded away: it is carried
 * as a remainder (0 ≤ remainder &lt; denominator) to the wallet's next call, so the total charged
 * is always the floor of the total exact cost.
 *
 * <p>{@code BigDecimal}/{@code BigInteger} are used only here, once, to parse the configuration;
 * every charge is {@code long} arithmetic.
 */
public final class CreditConversion {
    /** The dearest single call that is charged: 1,000,000 USD, in nano-USD. */
    public static final long CALL_NANO_USD_MAX = 1_000_000L * 1_000_000_000L;
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
    private static final BigInteger NANO_PER_USD = BigInteger.valueOf(1_000_000_000L);

    private final long factor;
    private final long denominator;
    private final int scale;

    /** A charge: the whole units to take now and the remainder to carry. */
    public record Charge(long units, long remainder) {
    }

    private CreditConversion(long factor, long denominator, int scale) {
        this.factor = factor;
        this.denominator = denominator;
        this.scale = scale;
    }

    /**
     * Throws {@link IllegalArgumentException} when {@code creditsPerUsd} is not a positive
     * decimal, {@code markupPercent} is not 0..1000, or the pair would overflow a charge.
     */
    public static CreditConversion of(String creditsPerUsd, String markupPercent, int scale) {
        BigDecimal perUsd = decimal("credits_per_usd", creditsPerUsd);
        BigDecimal markup = markupPercent == null ? BigDecimal.ZERO
                : decimal("markup_percent", markupPercent);
        if (perUsd.signum() <= 0) {
            throw new IllegalArgumentException("credits_per_usd must be greater than zero");
        }
        if (markup.signum() < 0 || markup.compareTo(BigDecimal.valueOf(1_000)) > 0) {
            throw new IllegalArgumentException("markup_percent must be 0..1000, was "
                    + markupPercent);
        }
        // units per nano-USD = perUsd × (100 + markup) / 100 × 10^scale / 10^9
        BigDecimal perNano = perUsd.multiply(HUNDRED.add(markup)).movePointRight(scale);
        BigInteger numerator = perNano.unscaledValue();
        BigInteger denominator = BigInteger.TEN.pow(Math.max(0, perNano.scale()))
                .multiply(HUNDRED.toBigInteger()).multiply(NANO_PER_USD);
        if (perNano.scale() < 0) {
            numerator = numerator.multiply(BigInteger.TEN.pow(-perNano.scale()));
        }
        BigInteger gcd = numerator.gcd(denominator);
        numerator = numerator.divide(gcd);
        denominator = denominator.divide(gcd);
        // A charge computes b × factor + remainder with b, remainder < denominator; and the
        // dearest call's units must fit a long too.
        BigInteger span = denominator.multiply(numerator.add(BigInteger.ONE));
        BigInteger dearest = BigInteger.valueOf(CALL_NANO_USD_MAX).multiply(numerator)
                .divide(denominator);
        if (span.bitLength() >= Long.SIZE - 1 || dearest.bitLength() >= Long.SIZE - 1) {
            throw new IllegalArgumentException("credits_per_usd " + creditsPerUsd + " with markup "
                    + markupPercent + " and scale " + scale + " is too fine to charge exactly");
        }
        return new CreditConversion(numerator.longValueExact(), denominator.longValueExact(),
                scale);
    }

    private static BigDecimal decimal(String field, String text) {
        if (text == null || !text.trim().matches("[0-9]{1,12}(\\.[0-9]{1,9})?")) {
            throw new IllegalArgumentException(field + " must be a decimal such as \"100\", was '"
                    + text + "'");
        }
        return new BigDecimal(text.trim());
    }

    /**
     * Charges {@code nanoUsd} on top of the carried {@code remainder}:
     * {@code units = floor((remainder + nanoUsd × factor) / denominator)}. Computed as
     * {@code nanoUsd = a × denominator + b}, so that no product exceeds the configured span.
     */
    public Charge charge(long remainder, long nanoUsd) {
        if (remainder < 0 || remainder >= denominator || nanoUsd < 0) {
            throw new IllegalArgumentException("remainder must be 0.." + (denominator - 1)
                    + " and the cost not negative");
        }
        long whole = Math.multiplyExact(nanoUsd / denominator, factor);
        long part = Math.addExact(Math.multiplyExact(nanoUsd % denominator, factor), remainder);
        return new Charge(Math.addExact(whole, part / denominator), part % denominator);
    }

    /** The most a call of {@code nanoUsd} can charge, whatever the remainder; at least 1 unit. */
    public long maxUnits(long nanoUsd) {
        return Math.max(1, charge(denominator - 1, nanoUsd).units());
    }

    /**
     * A remainder carried under another conversion, moved to this one (rounded down: at most
     * one unit's fraction is lost, once, when the configuration changes).
     */
    public long convertRemainder(long remainder, long otherDenominator) {
        if (otherDenominator == denominator) {
            return remainder;
        }
        return BigInteger.valueOf(remainder).multiply(BigInteger.valueOf(denominator))
                .divide(BigInteger.valueOf(otherDenominator)).longValueExact();
    }

    public long factor() {
        return factor;
    }

    public long denominator() {
        return denominator;
    }

    public int scale() {
        return scale;
    }
}
