package dev.credits.event;

import java.time.Instant;

/** A wallet's {@code available} reached zero or less (once, until it is above zero again). */
public record BalanceDepleted(String customerId, String creditType, Instant occurredAt, long availableUnits, long balanceUnits) implements CreditsEvent {
}
