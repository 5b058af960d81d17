package dev.credits;

/**
 * Idempotency keys. A caller's key is 1–{@value #LENGTH_MAX} printable ASCII characters. The
 * keys that credits derives for its own ledger writes (an AI call's capture, a subscription
 * period's grant, a purchase's grant, a plan change's steps) begin with {@link #DERIVED_PREFIX},
 * a character no caller's key can hold, so no caller can take a key the server will need, and
 * no derived key can replay a caller's request.
 */
public final class IdempotencyKeys {
    public static final int LENGTH_MAX = 255;
    /** The first character of every derived key: U+00A7, outside printable ASCII. */
    public static final char DERIVED_PREFIX = '\u00a7';

    private IdempotencyKeys() {
    }

    /**
     * Returns a caller's key (null when absent), or throws {@link ValidationException} on
     * {@code field} when it is empty, too long or not printable ASCII.
     */
    public static String requireClient(String field, String key) {
        if (key != null && !isClient(key)) {
            throw new ValidationException(field, "must be 1-" + LENGTH_MAX
                    + " printable ASCII characters");
        }
        return key;
    }

    /** The derived key named {@code name} (printable ASCII, e.g. {@code ai:aic_1:capture}). */
    public static String derived(String name) {
        if (name == null || !isClient(name)) {
            throw new IllegalArgumentException("a derived key's name must be 1-" + LENGTH_MAX
                    + " printable ASCII characters, was " + name);
        }
        return DERIVED_PREFIX + name;
    }

    /** True for a key {@link #derived} made. */
    public static boolean isDerived(String key) {
        return key != null && key.length() > 1 && key.charAt(0) == DERIVED_PREFIX
                && isClient(key.substring(1));
    }

    /** What a derived key was called before derived keys had their prefix (its name). */
    public static String bareName(String derivedKey) {
        if (!isDerived(derivedKey)) {
            throw new IllegalArgumentException("not a derived key: " + derivedKey);
        }
        return derivedKey.substring(1);
    }

    /** True for a key a caller may send: 1–255 printable ASCII characters. */
    static boolean isClient(String key) {
        if (key.isEmpty() || key.length() > LENGTH_MAX) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
