package dev.credits.server.portal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed console sign-ins per client address: after {@link #FAILURES_MAX} in
 * {@link #WINDOW_NANOS}, that address is refused until its window ends, without its key being
 * checked. A key is 46 random characters, so guessing one is hopeless anyway; the limit keeps a
 * guesser from burning the server's time and shows up in the log. Per process, in memory.
 *
 * <p>At most {@link #CLIENTS_MAX} addresses are kept: when full, ended windows are dropped, and
 * if none has ended the failures of every further address share one window, so a flood from
 * many addresses limits itself instead of growing the map.
 */
final class SignInFailures {
    static final int FAILURES_MAX = 10;
    static final long WINDOW_NANOS = 60_000_000_000L;
    static final int CLIENTS_MAX = 10_000;
    private static final String OVERFLOW = "*";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /** 0 when {@code client} may try a key now; else whole seconds until it may, at least 1. */
    long retryAfterSeconds(String client, long nowNanos) {
        Window window = windows.get(client);
        if (window == null && windows.size() >= CLIENTS_MAX) {
            window = windows.get(OVERFLOW);
        }
        return window == null ? 0 : window.retryAfterSeconds(nowNanos);
    }

    /** Counts a failed sign-in of {@code client}; true when that reached the limit. */
    boolean fail(String client, long nowNanos) {
        String key = client;
        if (!windows.containsKey(client) && windows.size() >= CLIENTS_MAX) {
            windows.values().removeIf(w -> w.hasEnded(nowNanos));
            if (windows.size() >= CLIENTS_MAX) {
                key = OVERFLOW;
            }
        }
        return windows.computeIfAbsent(key, k -> new Window(nowNanos)).fail(nowNanos);
    }

    private static final class Window {
        private long startNanos;
        private int failures;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }

        synchronized boolean hasEnded(long nowNanos) {
            return nowNanos - startNanos >= WINDOW_NANOS;
        }

        synchronized boolean fail(long nowNanos) {
            if (nowNanos - startNanos >= WINDOW_NANOS) {
                startNanos = nowNanos;
                failures = 0;
            }
            failures++;
            return failures == FAILURES_MAX;
        }

        synchronized long retryAfterSeconds(long nowNanos) {
            long left = WINDOW_NANOS - (nowNanos - startNanos);
            if (failures < FAILURES_MAX || left <= 0) {
                return 0;
            }
            return Math.max(1, (left + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
        }
    }
}
