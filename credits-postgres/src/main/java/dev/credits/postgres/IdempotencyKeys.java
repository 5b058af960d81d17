package dev.credits.postgres;

import dev.credits.internal.LedgerBatch.NewKey;
import dev.credits.internal.LedgerBatch.RecordedKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idempotency keys of a batch, loaded and written; what they mean is the core's
 * ({@link dev.credits.internal.LedgerBatch}). A key names one request across the whole ledger (the
 * primary key): two first uses of one key that race on different wallets meet there, and the
 * loser's batch is retried, and then replays or conflicts.
 */
final class IdempotencyKeys {
    private IdempotencyKeys() {
    }

    /** The keys recorded under {@code names}. */
    static Map<String, RecordedKey> load(Connection c, List<String> names) throws SQLException {
        Map<String, RecordedKey> keys = new HashMap<>();
        if (names.isEmpty()) {
            return keys;
        }
        try (PreparedStatement ps = c.prepareStatement("select key, fingerprint, result_type,"
                + " result::text from idempotency_keys where key = any(?)")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.put(rs.getString(1), new RecordedKey(rs.getString(2),
                            Codec.readResult(rs.getString(3), rs.getString(4))));
                }
            }
        }
        return keys;
    }

    static void save(Connection c, List<NewKey> keys, Instant now) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into idempotency_keys (customer_id,"
                + " key, fingerprint, result_type, result, created_at)"
                + " values (?, ?, ?, ?, ?::jsonb, ?)")) {
            for (NewKey key : keys) {
                ps.setString(1, key.customerId());
                ps.setString(2, key.key());
                ps.setString(3, key.fingerprint());
                ps.setString(4, key.result().getClass().getSimpleName());
                ps.setString(5, Codec.write(key.result()));
                Jdbc.setInstant(ps, 6, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
