package dev.credits.plans;

import dev.credits.Amount;
import dev.credits.CreditType;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * How much unused allowance moves into the next period: at most {@code maxAmount} of each credit
 * type, or at most {@code maxPercent} percent of the plan's monthly amount of that type. Exactly
 * one of the two is set.
 *
 * @param maxAmount  a cap applied to every credit type of the plan, in that type's unit; it must
 *                   be exact in each type's scale ({@code "500.00"} is fine for scale 0)
 * @param maxPercent 0..100
 */
public record Rollover(BigDecimal maxAmount, Integer maxPercent) {
    public static final int PERCENT_MAX = 100;

    public Rollover {
        if ((maxAmount == null) == (maxPercent == null)) {
            throw new IllegalArgumentException("a rollover has either max_amount or max_percent");
        }
        if (maxAmount != null && maxAmount.signum() < 0) {
            throw new IllegalArgumentException("max_amount must not be negative");
        }
        if (maxPercent != null && (maxPercent < 0 || maxPercent > PERCENT_MAX)) {
            throw new IllegalArgumentException("max_percent must be 0.." + PERCENT_MAX);
        }
    }

    public static Rollover maxAmount(String decimal) {
        return new Rollover(new BigDecimal(decimal), null);
    }

    public static Rollover maxPercent(int percent) {
        return new Rollover(null, percent);
    }

    /**
     * The cap in units of {@code type}: the amount, or the percentage of {@code monthlyUnits}
     * rounded down. Throws {@link dev.credits.InvalidAmountException} when {@code maxAmount} is
     * not exact in the type's scale (the catalog checks that at start).
     */
    public long capUnits(CreditType type, long monthlyUnits) {
        if (maxAmount != null) {
            return Amount.parse(maxAmount.stripTrailingZeros(), type.scale()).units();
        }
        return BigInteger.valueOf(monthlyUnits).multiply(BigInteger.valueOf(maxPercent))
                .divide(BigInteger.valueOf(PERCENT_MAX)).longValueExact();
    }
}
