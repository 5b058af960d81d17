package dev.credits.webhooks;

import java.time.Instant;
import java.util.List;

/**
 * A webhook endpoint: where events go. Its secret is never part of it; it is shown once, when
 * the endpoint is made ({@link CreatedEndpoint}) and when it is rotated.
 *
 * @param events the wire names it receives, or {@code ["*"]} for all
 * @param status {@code enabled} or {@code disabled}
 */
public record Endpoint(String id, String url, List<String> events, String description,
                       String status, Instant createdAt, Instant updatedAt) {
    public static final String ENABLED = "enabled";
    public static final String DISABLED = "disabled";

    public boolean receives(String type) {
        return events.contains(EventTypes.ALL) || events.contains(type);
    }
}
