package dev.credits.plans;

import dev.credits.IdempotencyConflictException;
import dev.credits.postgres.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The Idempotency-Keys of the plans' requests (a purchase, a plan change, a cancellation, a move
 * of the test clock), kept in the ledger's one namespace, {@code idempotency_keys}: a key names
 * one request whatever its endpoint, and is kept as long as the ledger's. A key is claimed in
 * the same transaction as the request's decisive write, so a request and its key are recorded
 * together or not at all; a retry replays what that transaction recorded.
 */
final class RequestKeys {
    /** Plans' results carry this prefix in {@code result_type}; the ledger never replays them. */
    static final String RESULT_TYPE_PREFIX = "plans:";

    private RequestKeys() {
    }

    /**
     * Claims {@code key} for a request in {@code c}'s transaction. Returns null when the key is
     * new (the caller then stores its result with {@link #recordResult} before committing), or
     * the result a first request with the same fingerprint recorded. Throws
     * {@link IdempotencyConflictException} when the key was used for another request. A first
     * use still in flight elsewhere is waited for.
     */
    static String claim(Connection c, String customerId, String key, String fingerprint,
                        String type, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into idempotency_keys"
                + " (customer_id, key, fingerprint, result_type, result, created_at)"
                + " values (?, ?, ?, ?, 'null'::jsonb, ?) on conflict (key) do nothing")) {
            ps.setString(1, customerId);
            ps.setString(2, key);
            ps.setString(3, fingerprint);
            ps.setString(4, RESULT_TYPE_PREFIX + type);
            Jdbc.setInstant(ps, 5, now);
            if (ps.executeUpdate() == 1) {
                return null;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("select fingerprint, result::text"
                + " from idempotency_keys where key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !fingerprint.equals(rs.getString(1))) {
                    throw new IdempotencyConflictException(key);
                }
                return rs.getString(2);
            }
        }
    }

    static void recordResult(Connection c, String key, String resultJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update idempotency_keys"
                + " set result = ?::jsonb where key = ?")) {
            ps.setString(1, resultJson);
            ps.setString(2, key);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("idempotency key " + key + " vanished");
            }
        }
    }

    /** SHA-256 of a request's parts: what "the same request" means for the plans. */
    static String fingerprint(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
