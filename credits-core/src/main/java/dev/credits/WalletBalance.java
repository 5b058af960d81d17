package dev.credits;

import java.time.Instant;
import java.util.List;

/**
 * A wallet as of a moment: {@code balance} excludes expired credits even before any sweep has
 * run, {@code held} is what active holds reserve, {@code available = balance - held};
 * {@code alertThresholds} are the levels its balance alerts fire at (its own, or its credit
 * type's), highest first.
 */
public record WalletBalance(String customerId, String creditType, Amount balance, Amount held,
                            Amount available, OverdraftLimit overdraftLimit, Instant asOf,
                            List<Amount> alertThresholds) {
    public WalletBalance {
        alertThresholds = alertThresholds == null ? List.of() : List.copyOf(alertThresholds);
    }
}
