package dev.credits.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What makes a retry "the same request": a command names the fields that define it, and their
 * canonical text is hashed. Each field is written as {@code name=<length>:<value>} (or
 * {@code name=-} when absent), so no two requests share a text; the idempotency key itself is not
 * a field (it is what the fingerprint is filed under). The result is
 * {@code "v2:" + hex(SHA-256(text))}; a fingerprint recorded without the prefix is the previous
 * encoding, {@link LegacyFingerprint}.
 * <pre>{@code
 * Fingerprint.of("spend").field("customer", "user_42").field("amount", 1_000).done()
 * }</pre>
 */
public final class Fingerprint {
    /** The prefix of this encoding's fingerprints. */
    public static final String VERSION_PREFIX = "v2:";

    private final StringBuilder text = new StringBuilder(128);

    private Fingerprint(String request) {
        text.append("credits ").append(VERSION_PREFIX).append(request).append('\n');
    }

    /** Starts the fingerprint of a request of kind {@code request}, e.g. {@code "grant"}. */
    public static Fingerprint of(String request) {
        return new Fingerprint(request);
    }

    public Fingerprint field(String name, String value) {
        text.append(name).append('=');
        if (value == null) {
            text.append('-');
        } else {
            text.append(value.length()).append(':').append(value);
        }
        text.append('\n');
        return this;
    }

    public Fingerprint field(String name, long value) {
        return field(name, Long.toString(value));
    }

    public Fingerprint field(String name, Long value) {
        return field(name, value == null ? null : value.toString());
    }

    public Fingerprint field(String name, Instant value) {
        return field(name, value == null ? null : value.toString());
    }

    public Fingerprint field(String name, Enum<?> value) {
        return field(name, value == null ? null : value.name());
    }

    /** The fingerprint: {@value #VERSION_PREFIX} and the hex SHA-256 of the fields. */
    public String done() {
        return VERSION_PREFIX + sha256(text.toString());
    }

    /** True for a fingerprint of this encoding; false for one recorded before it. */
    public static boolean isCurrent(String recorded) {
        return recorded.startsWith(VERSION_PREFIX);
    }

    static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
