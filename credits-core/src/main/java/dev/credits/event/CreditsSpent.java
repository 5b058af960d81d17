package dev.credits.event;

import java.time.Instant;

/** Credits were used, by a spend or a capture. */
public record CreditsSpent(String customerId, String creditType, Instant occurredAt, String transactionId, long amountUnits, String feature, String holdId, long balanceUnits) implements CreditsEvent {
}
