package dev.credits.event;

import java.time.Instant;

/** A grant expired with credits left; they are gone. */
public record CreditsExpired(String customerId, String creditType, Instant occurredAt, String grantId, String transactionId, long amountUnits, long balanceUnits) implements CreditsEvent {
}
