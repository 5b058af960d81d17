package dev.credits.server;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per API key: {@code burst} requests at once, refilled at
 * {@code requestsPerSecond}. Integer arithmetic throughout: a token is {@link #UNITS_PER_TOKEN}
 * units, and a bucket gains {@code requestsPerSecond} units per nanosecond. Buckets exist only for
 * keys that authenticated, so there are as many as there are keys. Per process: each server
 * process of a deployment has its own buckets.
 */
final class RateLimiter {
    static final long UNITS_PER_TOKEN = 1_000_000_000L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long unitsPerNano;
    private final long capacityUnits;
    private final long nanosToFill;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(long requestsPerSecond, long burst) {
        this.unitsPerNano = requestsPerSecond;
        this.capacityUnits = Math.multiplyExact(burst, UNITS_PER_TOKEN);
        this.nanosToFill = capacityUnits / requestsPerSecond + 1;
    }

    /** 0 when the key's request may go now (and takes its token); else nanoseconds to wait. */
    long acquire(String key, long nowNanos) {
        return buckets.computeIfAbsent(key, k -> new Bucket(capacityUnits, nowNanos))
                .take(nowNanos);
    }

    /** Whole seconds to wait, at least 1: the Retry-After of a refusal. */
    static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }

    private final class Bucket {
        private long units;
        private long updatedNanos;

        Bucket(long units, long nowNanos) {
            this.units = units;
            this.updatedNanos = nowNanos;
        }

        synchronized long take(long nowNanos) {
            // Callers read the clock before the lock, so times arrive slightly out of order: an
            // earlier one refills nothing and leaves the bucket's time where it is.
            if (nowNanos > updatedNanos) {
                long elapsed = Math.min(nowNanos - updatedNanos, nanosToFill);
                units = Math.min(capacityUnits, units + elapsed * unitsPerNano);
                updatedNanos = nowNanos;
            }
            if (units >= UNITS_PER_TOKEN) {
                units -= UNITS_PER_TOKEN;
                return 0;
            }
            return (UNITS_PER_TOKEN - units + unitsPerNano - 1) / unitsPerNano;
        }
    }
}
