package dev.credits.cli.bench;

import java.util.Arrays;

/** Per-thread operation latencies in nanoseconds, capped so memory stays bounded. */
final class Latencies {
    static final int SAMPLES_PER_THREAD_MAX = 2_000_000;

    private long[] samples = new long[4_096];
    private int size;
    private long operations;

    void record(long nanos) {
        operations++;
        if (size == samples.length) {
            if (size == SAMPLES_PER_THREAD_MAX) {
                return; // keep counting operations; the percentiles use what was kept
            }
            samples = Arrays.copyOf(samples, Math.min(size * 2, SAMPLES_PER_THREAD_MAX));
        }
        samples[size++] = nanos;
    }

    long operations() {
        return operations;
    }

    static long[] merged(Iterable<Latencies> all) {
        int total = 0;
        for (Latencies l : all) {
            total += l.size;
        }
        long[] merged = new long[total];
        int at = 0;
        for (Latencies l : all) {
            System.arraycopy(l.samples, 0, merged, at, l.size);
            at += l.size;
        }
        Arrays.sort(merged);
        return merged;
    }

    /** The p-th percentile (0–100) of sorted samples, in milliseconds with 3 decimals. */
    static String percentileMs(long[] sorted, int p) {
        if (sorted.length == 0) {
            return "0.000";
        }
        int index = (int) Math.min(sorted.length - 1, (long) sorted.length * p / 100);
        return millis(sorted[index]);
    }

    /** {@code nanos} in milliseconds with 3 decimals. */
    static String millis(long nanos) {
        return String.format("%d.%03d", nanos / 1_000_000, (nanos / 1_000) % 1_000);
    }
}
