package dev.credits.event;

import java.time.Instant;

/** A grant was voided; what remained of it is gone. */
public record GrantVoided(String customerId, String creditType, Instant occurredAt, String grantId, String transactionId, long amountUnits, long balanceUnits) implements CreditsEvent {
}
