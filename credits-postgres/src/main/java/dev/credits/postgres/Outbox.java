package dev.credits.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Appends an event of a module beside the ledger (plans, AI metering, top-ups) to the ledger's
 * outbox, in the caller's transaction: the event is written if and only if the change it
 * describes is. Webhooks send it and the event feed shows it (docs/webhooks.md).
 */
public final class Outbox {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Outbox() {
    }

    /**
     * Appends the event with its {@code fields} and {@code occurred_at} (= {@code now}).
     *
     * @param creditType the wallet's credit type, or {@code ""} for an event of the customer
     *                   (or, with {@code customerId} {@code ""} too, of no customer)
     * @param type       the stored name, e.g. {@code SubscriptionCreated}
     * @param fields     the event's fields as they are sent (JSON values)
     */
    public static void append(Connection c, String customerId, String creditType, String type,
                              Map<String, ?> fields, Instant now) throws SQLException {
        Map<String, Object> payload = new LinkedHashMap<>(fields);
        payload.put("occurred_at", now.toString());
        String payloadJson;
        try {
            payloadJson = JSON.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("an event's fields must be JSON values", e);
        }
        try (PreparedStatement ps = c.prepareStatement("insert into outbox (customer_id,"
                + " credit_type, event_type, payload, created_at) values (?, ?, ?, ?::jsonb,"
                + " ?)")) {
            ps.setString(1, customerId);
            ps.setString(2, creditType);
            ps.setString(3, type);
            ps.setString(4, payloadJson);
            Jdbc.setInstant(ps, 5, now);
            ps.executeUpdate();
        }
    }
}
