package dev.credits;

import java.time.Instant;
import java.util.Map;

/** A hold: credits reserved for work in flight, later captured or released. */
public record HoldRecord(String id, String customerId, String creditType, Amount amount,
                         Amount captured, HoldStatus status, Instant expiresAt,
                         String transactionId, String feature, Map<String, Object> metadata,
                         Instant createdAt) {
}
