package dev.credits.event;

import java.time.Instant;

/** A hold was released; nothing was spent. */
public record HoldReleased(String customerId, String creditType, Instant occurredAt, String holdId, long amountUnits) implements CreditsEvent {
}
