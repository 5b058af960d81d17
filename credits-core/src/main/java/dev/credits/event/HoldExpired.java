package dev.credits.event;

import java.time.Instant;

/** A hold passed its expiry without capture or release and was released by itself. */
public record HoldExpired(String customerId, String creditType, Instant occurredAt, String holdId, long amountUnits) implements CreditsEvent {
}
