package dev.credits.event;

import java.time.Instant;

/** Credits were reserved by a hold. */
public record CreditsHeld(String customerId, String creditType, Instant occurredAt, String holdId, long amountUnits, Instant expiresAt) implements CreditsEvent {
}
