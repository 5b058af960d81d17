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
 * The idempotency keys a batch uses: those stored before and those its commands record. A key
 * names one request across the whole ledger: used again for another customer it is a conflict.
 * Two first uses of one key that race on different wallets meet at the primary key; the loser's
 * batch is retried, and then replays or conflicts.
 */
final class IdempotencyKeys {
    /** A key's request and result; {@code recordedFor} names the customer of one made now. */
    record Entry(String fingerprint, Object result, String recordedFor) {
        boolean isNew() {
            return recordedFor != null;
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();

    static IdempotencyKeys load(Connection c, List<Command> commands, WalletKey[] targets)
            throws SQLException {
        IdempotencyKeys keys = new IdempotencyKeys();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            String key = commands.get(i).idempotencyKey();
            if (key != null && targets[i] != null) {
                names.add(key);
                if (dev.credits.IdempotencyKeys.isDerived(key)) {
                    names.add(legacyName(key));
                }
            }
        }
        if (names.isEmpty()) {
            return keys;
        }
        try (PreparedStatement ps = c.prepareStatement("select key, fingerprint, result_type,"
                + " result::text from idempotency_keys where key = any(?)")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.entries.put(rs.getString(1), new Entry(rs.getString(2),
                            Codec.readResult(rs.getString(3), rs.getString(4)), null));
                }
            }
        }
        return keys;
    }

    Entry find(String key) {
        return entries.get(key);
    }

    /**
     * For a derived key with no entry of its own: the entry recorded under its bare name before
     * derived keys had their prefix, if it is this very command's (its fingerprint is the one
     * the command had under the bare name, {@code legacyFingerprint}); null otherwise. A client's
     * key that merely imitates the name is someone else's request and is ignored.
     */
    Entry findLegacy(String key, String legacyFingerprint) {
        if (legacyFingerprint == null) {
            return null;
        }
        Entry legacy = entries.get(legacyName(key));
        return legacy != null && !legacy.isNew()
                && legacy.fingerprint().equals(legacyFingerprint) ? legacy : null;
    }

    /** What a derived key was called before it had its prefix. */
    static String legacyName(String derivedKey) {
        return derivedKey.substring(1);
    }

    void record(String customerId, String key, String fingerprint, Object result) {
        entries.put(key, new Entry(fingerprint, result, customerId));
    }

    boolean hasNew() {
        return entries.values().stream().anyMatch(Entry::isNew);
    }

    void save(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into idempotency_keys (customer_id,"
                + " key, fingerprint, result_type, result, created_at)"
                + " values (?, ?, ?, ?, ?::jsonb, ?)")) {
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                if (!e.getValue().isNew()) {
                    continue;
                }
                ps.setString(1, e.getValue().recordedFor());
                ps.setString(2, e.getKey());
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
