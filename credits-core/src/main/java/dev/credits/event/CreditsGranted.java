package dev.credits.event;

import java.time.Instant;

/** Credits were added by a grant. */
public record CreditsGranted(String customerId, String creditType, Instant occurredAt, String grantId, String transactionId, long amountUnits, String source, long balanceUnits) implements CreditsEvent {
}
