package dev.credits.webhooks;

import java.time.Instant;

/**
 * One attempt to deliver one event to one endpoint.
 *
 * @param status         {@code pending} (due, or being sent), {@code succeeded} or {@code failed}
 * @param responseStatus the receiver's HTTP status, null when there was no answer
 * @param error          why it failed, null otherwise
 * @param nextAttemptAt  pending: when it is due; failed: when it is tried again (null: never)
 */
public record Delivery(String id, String endpointId, String eventId, String eventType,
                       int attempt, String status, Integer responseStatus, String error,
                       Instant createdAt, Instant nextAttemptAt) {
    public static final String PENDING = "pending";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
}
