package dev.credits.event;

import java.time.Instant;

/** A wallet's {@code available} is back at or above a threshold it had crossed below. */
public record BalanceRecovered(String customerId, String creditType, Instant occurredAt, long thresholdUnits, long availableUnits) implements CreditsEvent {
}
