package dev.credits.spi;

/**
 * The deferred-revenue roll-forward of one currency over a period, in the currency's minor
 * unit: what was deferred at its start, what was purchased, recognized (used), lost to breakage
 * (expired) and refunded (voided) within it, and what was deferred at its end. Each figure is
 * summed from the recorded shares on its own, so that
 * {@code opening + purchased - recognized - breakage - refunded = closing} is a check, not a
 * definition.
 */
public record RevenueTotals(long openingDeferred, long purchased, long recognized, long breakage,
                            long refunded, long closingDeferred) {
    /** Whether the roll-forward's identity holds exactly. */
    public boolean balances() {
        return Math.addExact(openingDeferred, purchased) - recognized - breakage - refunded
                == closingDeferred;
    }
}
