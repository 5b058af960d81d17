package dev.credits.internal;

import java.security.SecureRandom;

/**
 * Server ids: a prefix ({@code grt_}, {@code txn_}, {@code hld_}) and a 26-character ULID
 * (48 bits of milliseconds, 80 random bits, Crockford base32). Ids made in one process sort in
 * the order they were made, which is the tie-breaker of the burn-down order.
 */
public final class Ids {
    public static final String GRANT = "grt_";
    public static final String TRANSACTION = "txn_";
    public static final String HOLD = "hld_";

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static long lastMillis;
    private static long lastHigh;
    private static long lastLow;

    private Ids() {
    }

    public static String grant() {
        return GRANT + next();
    }

    public static String transaction() {
        return TRANSACTION + next();
    }

    /** A new id with {@code prefix} and a ULID (ordered by creation time), e.g. {@code whe_…}. */
    public static String withPrefix(String prefix) {
        return prefix + next();
    }

    public static String hold() {
        return HOLD + next();
    }

    private static synchronized String next() {
        long millis = System.currentTimeMillis();
        if (millis <= lastMillis) {
            // Same millisecond (or the clock stepped back): increment the random part, so ids stay
            // strictly increasing within this process.
            millis = lastMillis;
            lastLow = (lastLow + 1) & 0xFFFFFFFFFFL;
            if (lastLow == 0) {
                lastHigh = (lastHigh + 1) & 0xFFFFFFFFFFL;
            }
        } else {
            lastMillis = millis;
            lastHigh = RANDOM.nextLong() & 0x7FFFFFFFFFL; // leave headroom for increments
            lastLow = RANDOM.nextLong() & 0xFFFFFFFFFFL;
        }
        char[] out = new char[26];
        encode(millis, 10, out, 0);
        encode(lastHigh, 8, out, 10);
        encode(lastLow, 8, out, 18);
        return new String(out);
    }

    private static void encode(long value, int chars, char[] out, int offset) {
        for (int i = chars - 1; i >= 0; i--) {
            out[offset + i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
    }
}
