package dev.credits;

import java.time.Instant;
import java.util.List;

/**
 * A wallet as of a moment: {@code balance} excludes expired credits even before any sweep has
 * run, {@code held} is what active holds reserve, {@code available = balance - held};
 * {@code alertThresholds} are the levels its balance alerts fire at (its own, or its credit
 * type's), highest first. {@code paidRemaining} is what active grants with a cost basis have
 * left, {@code freeRemaining} what those without one have (null where not computed).
 */
public record WalletBalance(String customerId, String creditType, Amount balance, Amount held,
                            Amount available, OverdraftLimit overdraftLimit, Instant asOf,
                            List<Amount> alertThresholds, Amount paidRemaining,
                            Amount freeRemaining) {
    public WalletBalance {
        alertThresholds = alertThresholds == null ? List.of() : List.copyOf(alertThresholds);
    }

    public WalletBalance(String customerId, String creditType, Amount balance, Amount held,
                         Amount available, OverdraftLimit overdraftLimit, Instant asOf,
                         List<Amount> alertThresholds) {
        this(customerId, creditType, balance, held, available, overdraftLimit, asOf,
                alertThresholds, null, null);
    }
}
