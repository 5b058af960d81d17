package dev.credits.server.portal;

import dev.credits.CustomerIds;
import dev.credits.ValidationException;
import dev.credits.internal.Ids;
import dev.credits.postgres.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

/**
 * Portal links, portal sessions and console sessions. A session is a row; what a browser holds
 * is a token naming the row and signed with HMAC-SHA256 by a key stored in the database (made
 * once, on first use, and rotated with {@link #rotateKey}). A token is {@code
 * <session id>.<key id>.<signature>}, and a link's token is signed for a link, a cookie's for a
 * cookie, so that neither can stand for the other. Times are the wall clock's, also on a test
 * clock: a session's hour is a real hour. Thread-safe.
 */
public final class PortalSessions {
    /** How long a portal link (and the session it opens) is valid. */
    public static final Duration PORTAL_LIFETIME = Duration.ofHours(1);
    /** How long a console session lasts after signing in, in hours (for help texts too). */
    public static final int CONSOLE_LIFETIME_HOURS = 8;
    public static final Duration CONSOLE_LIFETIME = Duration.ofHours(CONSOLE_LIFETIME_HOURS);
    /** Sessions that ended this long ago are deleted (at most once per {@link #CLEANUP_EVERY}). */
    public static final Duration KEPT_AFTER_EXPIRY = Duration.ofDays(1);
    public static final Duration CLEANUP_EVERY = Duration.ofHours(1);
    /** Where a link's token goes in the server's address. */
    public static final String LINK_PATH = "/portal/s/";
    /** How long a rotated-out key still verifies: the longest session. */
    public static final Duration RETIRED_KEY_GRACE = CONSOLE_LIFETIME;
    public static final int RETURN_URL_LENGTH_MAX = 2_048;
    /** The locales the pages are translated into. */
    public static final List<String> LOCALES = List.of("en", "de");
    static final String LINK = "link";
    static final String COOKIE = "cookie";
    static final String CSRF = "csrf";
    private static final String HMAC = "HmacSHA256";
    private static final int KEY_BYTES = 32;
    private static final long KEY_CACHE_NANOS = 1_000_000_000L;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Who a session is for: a customer of the portal, or an operator's key in the console. */
    public enum Kind {
        PORTAL, CONSOLE;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A session's row. {@code customerId} is the portal's; {@code keyHash} the console's. */
    public record Session(String id, Kind kind, String customerId, String keyHash, String locale,
                          String returnUrl, Instant createdAt, Instant expiresAt) {
    }

    /** A new portal session and the token of its link. */
    public record Created(Session session, String linkToken) {
    }

    private record SigningKey(String id, byte[] secret, Instant retiredAt) {
    }

    private record Keys(List<SigningKey> all, long loadedAtNanos) {
    }

    private final DataSource dataSource;
    private final Clock clock;
    private volatile Keys keys;
    /** When sessions were last cleaned up (nanoTime); a creation cleans up when it is due. */
    private final java.util.concurrent.atomic.AtomicLong cleanedAt =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - CLEANUP_EVERY.toNanos());

    public PortalSessions(DataSource dataSource) {
        this(dataSource, Clock.systemUTC());
    }

    /** With a clock of the test's own, for expiry. */
    public PortalSessions(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    // ---- sessions

    /**
     * A portal session of {@code customerId} valid for {@link #PORTAL_LIFETIME}; {@code locale}
     * one of {@link #LOCALES} or null (the browser's), {@code returnUrl} an http(s) URL or null.
     * Throws {@link ValidationException} for anything else, with nothing written.
     */
    public Created createPortal(String customerId, String locale, String returnUrl) {
        CustomerIds.requireValid(customerId);
        if (locale != null && !LOCALES.contains(locale)) {
            throw new ValidationException("locale", "must be one of " + LOCALES);
        }
        if (returnUrl != null) {
            requireHttpUrl("return_url", returnUrl);
        }
        Session session = insert(new Session(Ids.withPrefix("pts_"), Kind.PORTAL, customerId,
                null, locale, returnUrl, now(), now().plus(PORTAL_LIFETIME)));
        return new Created(session, sign(LINK, session.id()));
    }

    /** A console session for the key whose SHA-256 is {@code keyHash}; the cookie's token. */
    public String createConsole(String keyHash) {
        Session session = insert(new Session(Ids.withPrefix("cns_"), Kind.CONSOLE, null, keyHash,
                null, null, now(), now().plus(CONSOLE_LIFETIME)));
        return sign(COOKIE, session.id());
    }

    /** The cookie's token of a session (opening a link sets it). */
    public String cookieToken(Session session) {
        return sign(COOKIE, session.id());
    }

    /** The session a link's token names, if the token is genuine and the session live. */
    public Session fromLink(String token) {
        return resolve(LINK, token, Kind.PORTAL);
    }

    /** The session a cookie's token names, if the token is genuine and the session live. */
    public Session fromCookie(String token, Kind kind) {
        return resolve(COOKIE, token, kind);
    }

    /** The form token of a session: every form posts it, and {@link #isCsrfValid} checks it. */
    public String csrfToken(Session session) {
        return signature(currentKey().secret(), CSRF, session.id());
    }

    /** True when {@code token} is the form token of {@code session} under any live key. */
    public boolean isCsrfValid(Session session, String token) {
        if (token == null || token.isEmpty()) {
            return false;
        }
        boolean valid = false;
        for (SigningKey key : verifyingKeys()) {
            valid |= MessageDigest.isEqual(signature(key.secret(), CSRF, session.id())
                    .getBytes(StandardCharsets.US_ASCII), token.getBytes(StandardCharsets.UTF_8));
        }
        return valid;
    }

    /** The language a session chose; its pages use it from then on. */
    public void setLocale(String sessionId, String locale) {
        if (!LOCALES.contains(locale)) {
            throw new ValidationException("locale", "must be one of " + LOCALES);
        }
        update("update portal_sessions set locale = ? where id = ?", ps -> {
            ps.setString(1, locale);
            ps.setString(2, sessionId);
        });
    }

    /** Ends a session now (signing out): its tokens name nothing from then on. */
    public void end(String sessionId) {
        update("update portal_sessions set ended_at = ? where id = ? and ended_at is null",
                ps -> {
                    Jdbc.setInstant(ps, 1, now());
                    ps.setString(2, sessionId);
                });
    }

    /**
     * Forgets sessions that expired more than {@link #KEPT_AFTER_EXPIRY} ago, and those ended as
     * long ago; how many. Creating sessions runs it every {@link #CLEANUP_EVERY}.
     */
    public int deleteExpired() {
        Instant cutoff = now().minus(KEPT_AFTER_EXPIRY);
        return update("delete from portal_sessions where expires_at < ? or ended_at < ?", ps -> {
            Jdbc.setInstant(ps, 1, cutoff);
            Jdbc.setInstant(ps, 2, cutoff);
        });
    }

    private Session resolve(String purpose, String token, Kind kind) {
        if (token == null) {
            return null;
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        SigningKey key = null;
        for (SigningKey k : verifyingKeys()) {
            if (k.id().equals(parts[1])) {
                key = k;
            }
        }
        if (key == null || !MessageDigest.isEqual(signature(key.secret(), purpose, parts[0])
                .getBytes(StandardCharsets.US_ASCII), parts[2].getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        Session session = load(parts[0]);
        return session == null || session.kind() != kind || !session.expiresAt().isAfter(now())
                ? null : session;
    }

    /** The URL of a link: {@code base} (an http(s) URL, a trailing slash or not) and the token. */
    public static String linkUrl(String base, String linkToken) {
        return base.replaceAll("/+$", "") + LINK_PATH + linkToken;
    }

    /** The whole seconds a session has left (at least 1): the cookie's Max-Age. */
    public long secondsLeft(Session session) {
        return Math.max(1, Duration.between(now(), session.expiresAt()).getSeconds());
    }

    private Session insert(Session s) {
        long last = cleanedAt.get();
        if (System.nanoTime() - last >= CLEANUP_EVERY.toNanos()
                && cleanedAt.compareAndSet(last, System.nanoTime())) {
            deleteExpired();
        }
        update("insert into portal_sessions (id, kind, customer_id, key_hash, locale, return_url,"
                + " created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, s.id());
                    ps.setString(2, s.kind().wireName());
                    ps.setString(3, s.customerId());
                    ps.setString(4, s.keyHash());
                    ps.setString(5, s.locale());
                    ps.setString(6, s.returnUrl());
                    Jdbc.setInstant(ps, 7, s.createdAt());
                    Jdbc.setInstant(ps, 8, s.expiresAt());
                });
        return s;
    }

    /** A live session by id (not ended); null for none. */
    private Session load(String id) {
        return Jdbc.query(dataSource, "select id, kind, customer_id, key_hash, locale,"
                + " return_url, created_at, expires_at from portal_sessions where id = ?"
                + " and ended_at is null", ps -> ps.setString(1, id), rs -> !rs.next() ? null
                : new Session(rs.getString("id"),
                        Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
                        rs.getString("customer_id"), rs.getString("key_hash"),
                        rs.getString("locale"), rs.getString("return_url"),
                        Jdbc.getInstant(rs, "created_at"), Jdbc.getInstant(rs, "expires_at")));
    }

    // ---- signing keys

    /**
     * Makes a new signing key the one that signs; the others are retired and verify for
     * {@link #RETIRED_KEY_GRACE} more, so links and sessions already out keep working until
     * they expire. Returns the new key's id.
     */
    public String rotateKey() {
        String id = Jdbc.inTransaction(dataSource, c -> {
            lockKeys(c);
            try (PreparedStatement ps = c.prepareStatement("update portal_signing_keys"
                    + " set retired_at = ? where retired_at is null")) {
                Jdbc.setInstant(ps, 1, now());
                ps.executeUpdate();
            }
            return insertKey(c);
        });
        keys = null;
        return id;
    }

    private SigningKey currentKey() {
        for (SigningKey key : loadKeys()) {
            if (key.retiredAt() == null) {
                return key;
            }
        }
        Jdbc.inTransaction(dataSource, c -> {
            lockKeys(c);
            try (PreparedStatement ps = c.prepareStatement("select 1 from portal_signing_keys"
                    + " where retired_at is null");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? null : insertKey(c);
            }
        });
        keys = null;
        return currentKey();
    }

    private List<SigningKey> verifyingKeys() {
        Instant oldest = now().minus(RETIRED_KEY_GRACE);
        List<SigningKey> out = new ArrayList<>();
        for (SigningKey key : loadKeys()) {
            if (key.retiredAt() == null || key.retiredAt().isAfter(oldest)) {
                out.add(key);
            }
        }
        return out;
    }

    /** Two servers making the first key at once make one: the table is locked while it is. */
    private static void lockKeys(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "lock table portal_signing_keys in share row exclusive mode")) {
            ps.execute();
        }
    }

    private String insertKey(Connection c) throws SQLException {
        byte[] secret = new byte[KEY_BYTES];
        RANDOM.nextBytes(secret);
        String id = Ids.withPrefix("psk_");
        try (PreparedStatement ps = c.prepareStatement("insert into portal_signing_keys"
                + " (id, secret, created_at) values (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setBytes(2, secret);
            Jdbc.setInstant(ps, 3, now());
            ps.executeUpdate();
        }
        return id;
    }

    private List<SigningKey> loadKeys() {
        Keys k = keys;
        if (k != null && System.nanoTime() - k.loadedAtNanos() < KEY_CACHE_NANOS) {
            return k.all();
        }
        List<SigningKey> all = Jdbc.query(dataSource, "select id, secret, retired_at from"
                + " portal_signing_keys order by created_at desc, id", ps -> { }, rs -> {
                    List<SigningKey> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new SigningKey(rs.getString("id"), rs.getBytes("secret"),
                                Jdbc.getInstant(rs, "retired_at")));
                    }
                    return out;
                });
        keys = new Keys(List.copyOf(all), System.nanoTime());
        return all;
    }

    private String sign(String purpose, String sessionId) {
        SigningKey key = currentKey();
        return sessionId + "." + key.id() + "." + signature(key.secret(), purpose, sessionId);
    }

    private static String signature(byte[] secret, String purpose, String sessionId) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            byte[] out = mac.doFinal((purpose + ":" + sessionId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }

    /**
     * Throws {@link ValidationException} (naming {@code field}) unless {@code url} is an http or
     * https URL with a host, at most {@link #RETURN_URL_LENGTH_MAX} characters.
     */
    public static void requireHttpUrl(String field, String url) {
        if (url.length() > RETURN_URL_LENGTH_MAX) {
            throw new ValidationException(field, "must be at most "
                    + RETURN_URL_LENGTH_MAX + " characters");
        }
        try {
            java.net.URI uri = new java.net.URI(url);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http")
                    || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
                throw new ValidationException(field, "must be an http or https URL");
            }
        } catch (java.net.URISyntaxException e) {
            throw new ValidationException(field, "is not a URL");
        }
    }

    private int update(String sql, Jdbc.Binder binder) {
        return Jdbc.update(dataSource, sql, binder);
    }
}
