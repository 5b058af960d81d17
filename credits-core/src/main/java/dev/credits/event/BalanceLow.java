package dev.credits.event;

import java.time.Instant;

/** A balance fell below its credit type's low-balance threshold. */
public record BalanceLow(String customerId, String creditType, Instant occurredAt, long balanceUnits, long thresholdUnits) implements CreditsEvent {
}
