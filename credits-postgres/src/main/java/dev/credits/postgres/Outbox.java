package dev.credits.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Appends an event of a module beside the ledger (plans, AI metering, top-ups) to the ledger's
 * outbox, in the caller's transaction: the event is written if and only if the change it
 * describes is. Webhooks send it and the event feed shows it (docs/webhooks.md).
 */
public final class Outbox {
    private Outbox() {
    }

    /**
     * @param creditType  the wallet's credit type, or {@code ""} for an event of the customer
     * @param type        the stored name, e.g. {@code SubscriptionCreated}
     * @param payloadJson the event's fields as a JSON object, as they are sent
     */
    public static void append(Connection c, String customerId, String creditType, String type,
                              String payloadJson, Instant now) throws SQLException {
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
