package dev.credits.webhooks;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed delivery is tried again: 5 seconds after the first attempt, then four times
 * longer each time (20 s, 80 s, 5 min 20 s, 21 min, 85 min, 5 h 41 min), at most 12 hours apart,
 * each delay stretched by a random 0–25 % so that receivers coming back are not hit all at once;
 * and no more once {@link #RETRY_FOR} has passed since the first attempt (about 13 attempts).
 */
final class Backoff {
    static final Duration FIRST = Duration.ofSeconds(5);
    static final int FACTOR = 4;
    static final Duration LONGEST = Duration.ofHours(12);
    static final int JITTER_PERCENT_MAX = 25;
    /** How long an event is retried for after its first attempt. */
    static final Duration RETRY_FOR = Duration.ofDays(3);
    /** An endpoint that failed every attempt this long is disabled. */
    static final Duration DISABLE_AFTER = Duration.ofDays(5);

    private Backoff() {
    }

    /** The delay after attempt {@code attempt} (1 for the first) failed, without jitter. */
    static Duration base(int attempt) {
        Duration delay = FIRST;
        for (int i = 1; i < attempt && delay.compareTo(LONGEST) < 0; i++) {
            delay = delay.multipliedBy(FACTOR);
        }
        return delay.compareTo(LONGEST) > 0 ? LONGEST : delay;
    }

    /** The delay after attempt {@code attempt} failed, with its jitter. */
    static Duration delay(int attempt) {
        Duration base = base(attempt);
        long jitterMs = base.toMillis() * ThreadLocalRandom.current()
                .nextInt(JITTER_PERCENT_MAX + 1) / 100;
        return base.plusMillis(jitterMs);
    }
}
