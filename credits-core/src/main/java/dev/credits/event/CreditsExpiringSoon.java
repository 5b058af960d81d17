package dev.credits.event;

import java.time.Instant;

/** A grant with credits left expires soon ({@code expiring_soon_days} before; once per grant). */
public record CreditsExpiringSoon(String customerId, String creditType, Instant occurredAt, String grantId, long amountUnits, Instant expiresAt) implements CreditsEvent {
}
