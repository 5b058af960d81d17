package dev.credits.server;

import dev.credits.postgres.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;

/**
 * The secret keys that may call the {@code /v1} API. A key's secret is shown once, by
 * {@link #create}, and kept only as its SHA-256; checking a presented secret compares hashes in
 * constant time. Valid hashes are cached for {@link #CACHE_TTL_MS}, so authentication is not a
 * database round trip per request, and a revoke takes effect everywhere within that time.
 * Thread-safe.
 */
public final class ApiKeys {
    /** The environment variable whose value, when set, is accepted as one more key. */
    public static final String ENVIRONMENT_VARIABLE = "CREDITS_API_KEY";
    /** How long the set of valid keys is trusted before it is read again. */
    public static final long CACHE_TTL_MS = 1_000;
    public static final int NAME_LENGTH_MAX = 64;
    static final int SECRET_RANDOM_BYTES = 32;
    static final String SECRET_PREFIX = "sk_";
    static final String ID_PREFIX = "key_";
    static final int ID_RANDOM_BYTES = 12;

    /** What a key may do. */
    public enum Scope {
        /** GET requests only. */
        READ,
        /** The ledger, plans, AI, payments, portal sessions: every route but the admin ones. */
        WRITE,
        /** Everything, webhook endpoints and deliveries too. */
        ADMIN;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The scope named {@code text}; {@link IllegalArgumentException} for another word. */
        public static Scope parse(String text) {
            for (Scope scope : values()) {
                if (scope.wireName().equals(text)) {
                    return scope;
                }
            }
            throw new IllegalArgumentException("a scope is read, write or admin, not '" + text
                    + "'");
        }
    }

    /** A key as listed: never its secret. {@code revokedAt} is null while the key is valid. */
    public record ApiKey(String id, String name, Instant createdAt, Instant revokedAt,
                         Scope scope) {
        public boolean revoked() {
            return revokedAt != null;
        }
    }

    private record Valid(byte[] hash, Scope scope) {
    }

    private record Snapshot(List<Valid> keys, long loadedAtNanos) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataSource dataSource;
    private final byte[] extraSecretHash;
    private volatile Snapshot snapshot;

    /** Keys in the database, plus the value of {@value #ENVIRONMENT_VARIABLE} when it is set. */
    public ApiKeys(DataSource dataSource) {
        this(dataSource, System.getenv(ENVIRONMENT_VARIABLE));
    }

    /** Keys in the database, plus {@code extraSecret} unless it is null or blank. */
    public ApiKeys(DataSource dataSource, String extraSecret) {
        if (dataSource == null) {
            throw new IllegalArgumentException("dataSource is required");
        }
        this.dataSource = dataSource;
        this.extraSecretHash = extraSecret == null || extraSecret.isBlank() ? null
                : sha256(extraSecret);
    }

    /**
     * Creates a key and returns its secret ({@code sk_…}, 256 random bits). The secret is not
     * stored and cannot be shown again. Throws {@link IllegalArgumentException} when the name is
     * blank, longer than {@link #NAME_LENGTH_MAX}, or already used by a key that is not revoked.
     */
    public String create(String name) {
        return create(name, Scope.WRITE);
    }

    /** {@link #create(String)} with a scope: what the key may do. */
    public String create(String name, Scope scope) {
        requireName(name);
        if (scope == null) {
            throw new IllegalArgumentException("a key needs a scope");
        }
        String secret = SECRET_PREFIX + randomText(SECRET_RANDOM_BYTES);
        String sql = "insert into api_keys (id, name, hash, created_at, scope)"
                + " values (?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, ID_PREFIX + randomText(ID_RANDOM_BYTES));
            ps.setString(2, name);
            ps.setString(3, HexFormat.of().formatHex(sha256(secret)));
            ps.setTimestamp(4, Timestamp.from(Instant.now().truncatedTo(ChronoUnit.MICROS)));
            ps.setString(5, scope.wireName());
            ps.executeUpdate();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new IllegalArgumentException("a key named '" + name + "' already exists");
            }
            throw Jdbc.translate(e);
        }
        snapshot = null;
        return secret;
    }

    /** Every key, revoked ones too, oldest first. */
    public List<ApiKey> list() {
        String sql = "select id, name, created_at, revoked_at, scope from api_keys"
                + " order by created_at, id";
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<ApiKey> keys = new ArrayList<>();
            while (rs.next()) {
                Timestamp revoked = rs.getTimestamp("revoked_at");
                keys.add(new ApiKey(rs.getString("id"), rs.getString("name"),
                        rs.getTimestamp("created_at").toInstant(),
                        revoked == null ? null : revoked.toInstant(),
                        Scope.parse(rs.getString("scope"))));
            }
            return keys;
        } catch (SQLException e) {
            throw Jdbc.translate(e);
        }
    }

    /** Revokes the key with this id or name; false when no valid key has it. */
    public boolean revoke(String idOrName) {
        if (idOrName == null || idOrName.isEmpty()) {
            return false;
        }
        String sql = "update api_keys set revoked_at = ? where revoked_at is null"
                + " and (id = ? or name = ?)";
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, Timestamp.from(Instant.now().truncatedTo(ChronoUnit.MICROS)));
            ps.setString(2, idOrName);
            ps.setString(3, idOrName);
            int revoked = ps.executeUpdate();
            snapshot = null;
            return revoked > 0;
        } catch (SQLException e) {
            throw Jdbc.translate(e);
        }
    }

    /**
     * True when {@code secret} is a valid key. Compares hashes in constant time and looks at every
     * key, so the time taken says nothing about which key came close. Throws
     * {@link dev.credits.StorageUnavailableException} when the keys must be read and the database is down.
     */
    public boolean isValid(String secret) {
        return scopeOf(secret) != null;
    }

    /**
     * The scope of the valid key {@code secret}; null when it is not one. The key of
     * {@value #ENVIRONMENT_VARIABLE} is an admin key. Constant-time as {@link #isValid}.
     */
    public Scope scopeOf(String secret) {
        if (secret == null || secret.isEmpty()) {
            return null;
        }
        return scopeOfDigest(sha256(secret));
    }

    /** A valid key's scope and its SHA-256 (hex), from one hashing of the secret. */
    public record Caller(Scope scope, String hash) {
    }

    /** The caller of {@code secret}; null when it is not a valid key. As {@link #scopeOf}. */
    public Caller callerOf(String secret) {
        if (secret == null || secret.isEmpty()) {
            return null;
        }
        byte[] digest = sha256(secret);
        Scope scope = scopeOfDigest(digest);
        return scope == null ? null : new Caller(scope, HexFormat.of().formatHex(digest));
    }

    /** The database the keys are kept in (the portal keeps its sessions there too). */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The SHA-256 of a secret in lower-case hex: what a console session keeps of its key. */
    public static String hashOf(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /**
     * The scope of the valid key whose SHA-256 (hex, as {@link #hashOf}) is {@code hash}; null
     * when no valid key has it (revoked since, or never one). Constant-time per key.
     */
    public Scope scopeOfHash(String hash) {
        byte[] presented;
        try {
            presented = HexFormat.of().parseHex(hash);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return scopeOfDigest(presented);
    }

    private Scope scopeOfDigest(byte[] presented) {
        Scope found = null;
        if (extraSecretHash != null && MessageDigest.isEqual(extraSecretHash, presented)) {
            found = Scope.ADMIN;
        }
        for (Valid key : current().keys()) {
            if (MessageDigest.isEqual(key.hash(), presented) && found == null) {
                found = key.scope();
            }
        }
        return found;
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        if (s != null && System.nanoTime() - s.loadedAtNanos() < CACHE_TTL_MS * 1_000_000) {
            return s;
        }
        synchronized (this) {
            s = snapshot;
            if (s != null && System.nanoTime() - s.loadedAtNanos() < CACHE_TTL_MS * 1_000_000) {
                return s;
            }
            s = new Snapshot(loadValidHashes(), System.nanoTime());
            snapshot = s;
            return s;
        }
    }

    private List<Valid> loadValidHashes() {
        String sql = "select hash, scope from api_keys where revoked_at is null";
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<Valid> hashes = new ArrayList<>();
            while (rs.next()) {
                hashes.add(new Valid(HexFormat.of().parseHex(rs.getString(1)),
                        Scope.parse(rs.getString(2))));
            }
            return hashes;
        } catch (SQLException e) {
            throw Jdbc.translate(e);
        }
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a key needs a name");
        }
        if (name.length() > NAME_LENGTH_MAX) {
            throw new IllegalArgumentException("a key name is at most " + NAME_LENGTH_MAX
                    + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new IllegalArgumentException(
                        "a key name must not contain control characters");
            }
        }
    }

    private static String randomText(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
