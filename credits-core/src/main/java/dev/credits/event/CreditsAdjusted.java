package dev.credits.event;

import java.time.Instant;

/** An operator corrected the balance. */
public record CreditsAdjusted(String customerId, String creditType, Instant occurredAt, String transactionId, long amountUnits, long balanceUnits) implements CreditsEvent {
}
