package dev.credits.postgres;

import dev.credits.core.Command;
import dev.credits.core.WalletKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idempotency keys a batch uses: those stored before (loaded under the wallet locks) and those
 * its commands record. Keys are scoped to the customer. Two first uses of one key that race on
 * different wallets meet at the primary key; the loser's batch is retried and then replays.
 */
final class IdempotencyKeys {
    record Entry(String fingerprint, Object result, boolean isNew) {
    }

    private record Key(String customerId, String key) {
    }

    private final Map<Key, Entry> entries = new HashMap<>();

    static IdempotencyKeys load(Connection c, List<Command> commands, WalletKey[] targets)
            throws SQLException {
        IdempotencyKeys keys = new IdempotencyKeys();
        List<String> customers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            String key = commands.get(i).idempotencyKey();
            if (key != null && targets[i] != null) {
                customers.add(targets[i].customerId());
                names.add(key);
            }
        }
        if (names.isEmpty()) {
            return keys;
        }
        try (PreparedStatement ps = c.prepareStatement("select customer_id, key, fingerprint,"
                + " result_type, result::text from idempotency_keys"
                + " where (customer_id, key) in (select * from unnest(?::text[], ?::text[]))")) {
            ps.setArray(1, c.createArrayOf("text", customers.toArray()));
            ps.setArray(2, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.entries.put(new Key(rs.getString(1), rs.getString(2)),
                            new Entry(rs.getString(3), Codec.readResult(rs.getString(4),
                                    rs.getString(5)), false));
                }
            }
        }
        return keys;
    }

    Entry find(String customerId, String key) {
        return entries.get(new Key(customerId, key));
    }

    void record(String customerId, String key, String fingerprint, Object result) {
        entries.put(new Key(customerId, key), new Entry(fingerprint, result, true));
    }

    boolean hasNew() {
        return entries.values().stream().anyMatch(Entry::isNew);
    }

    void save(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into idempotency_keys (customer_id,"
                + " key, fingerprint, result_type, result, created_at)"
                + " values (?, ?, ?, ?, ?::jsonb, ?)")) {
            for (Map.Entry<Key, Entry> e : entries.entrySet()) {
                if (!e.getValue().isNew()) {
                    continue;
                }
                ps.setString(1, e.getKey().customerId());
                ps.setString(2, e.getKey().key());
                ps.setString(3, e.getValue().fingerprint());
                ps.setString(4, e.getValue().result().getClass().getSimpleName());
                ps.setString(5, Codec.write(e.getValue().result()));
                Sql.setInstant(ps, 6, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
