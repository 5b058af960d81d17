package dev.credits;

import java.time.Instant;

/**
 * A wallet as of a moment: {@code balance} excludes expired credits even before any sweep has
 * run, {@code held} is what active holds reserve, {@code available = balance - held}.
 */
public record WalletBalance(String customerId, String creditType, Amount balance, Amount held,
                            Amount available, OverdraftLimit overdraftLimit, Instant asOf) {
}
