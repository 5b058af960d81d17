package dev.credits.event;

import java.time.Instant;

/**
 * A wallet's {@code available} crossed below one of its alert thresholds (fires once per
 * crossing; {@link BalanceRecovered} when it is back at or above it).
 */
public record BalanceLow(String customerId, String creditType, Instant occurredAt, long balanceUnits, long thresholdUnits, long availableUnits) implements CreditsEvent {
    /** As recorded before {@code availableUnits} was part of it. */
    public BalanceLow(String customerId, String creditType, Instant occurredAt, long balanceUnits,
                      long thresholdUnits) {
        this(customerId, creditType, occurredAt, balanceUnits, thresholdUnits, balanceUnits);
    }
}
