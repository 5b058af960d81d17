package dev.credits.event;

import java.time.Instant;

/** A hold was captured (and the rest of it released). */
public record HoldCaptured(String customerId, String creditType, Instant occurredAt, String holdId, String transactionId, long heldUnits, long capturedUnits) implements CreditsEvent {
}
