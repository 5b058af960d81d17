package dev.credits.server;

/**
 * What one server process lets its clients do (the {@code http:} section of the configuration).
 *
 * @param requestsPerSecond  each API key's sustained rate of {@code /v1} requests in this process,
 *                           refilled continuously (a token bucket); more is 429 {@code rate_limited}
 *                           with {@code Retry-After}, and nothing written
 * @param burst              how many requests a key may send at once above that rate
 * @param maxConnections     open connections at most; further ones wait to be accepted
 * @param idleTimeoutSeconds a connection (or a request still being read) idle this long is closed
 * @param protectOperations  {@code /metrics}, {@code /openapi.json} and {@code /docs} need an API
 *                           key (any scope); {@code /health} never does
 */
public record HttpLimits(long requestsPerSecond, long burst, int maxConnections,
                         int idleTimeoutSeconds, boolean protectOperations) {
    /** Above what one client doing 10,000 spends a second needs, with room for its reads. */
    public static final long REQUESTS_PER_SECOND_DEFAULT = 20_000;
    public static final long BURST_DEFAULT = 40_000;
    public static final long REQUESTS_PER_SECOND_MAX = 10_000_000;
    public static final long BURST_MAX = 100_000_000;
    public static final int MAX_CONNECTIONS_DEFAULT = 4_096;
    public static final int MAX_CONNECTIONS_MAX = 1_000_000;
    public static final int IDLE_TIMEOUT_SECONDS_DEFAULT = 30;
    public static final int IDLE_TIMEOUT_SECONDS_MAX = 3_600;

    public static final HttpLimits DEFAULTS = new HttpLimits(REQUESTS_PER_SECOND_DEFAULT,
            BURST_DEFAULT, MAX_CONNECTIONS_DEFAULT, IDLE_TIMEOUT_SECONDS_DEFAULT, false);

    public HttpLimits {
        between("requests_per_second", requestsPerSecond, 1, REQUESTS_PER_SECOND_MAX);
        between("burst", burst, 1, BURST_MAX);
        between("max_connections", maxConnections, 1, MAX_CONNECTIONS_MAX);
        between("idle_timeout_seconds", idleTimeoutSeconds, 1, IDLE_TIMEOUT_SECONDS_MAX);
    }

    private static void between(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", was "
                    + value);
        }
    }

    public HttpLimits withRateLimit(long perSecond, long burstRequests) {
        return new HttpLimits(perSecond, burstRequests, maxConnections, idleTimeoutSeconds,
                protectOperations);
    }

    public HttpLimits withMaxConnections(int value) {
        return new HttpLimits(requestsPerSecond, burst, value, idleTimeoutSeconds,
                protectOperations);
    }

    public HttpLimits withIdleTimeoutSeconds(int value) {
        return new HttpLimits(requestsPerSecond, burst, maxConnections, value,
                protectOperations);
    }

    public HttpLimits withProtectOperations(boolean value) {
        return new HttpLimits(requestsPerSecond, burst, maxConnections, idleTimeoutSeconds,
                value);
    }
}
