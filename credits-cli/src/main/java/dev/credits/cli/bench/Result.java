package dev.credits.cli.bench;

/** One row of the benchmark table. Rates and latencies are measurements, not money. */
record Result(String scenario, String mode, int clients, long operations, long errors,
              long elapsedNanos, String p50Ms, String p99Ms) {

    /** Operations per second with one decimal, as text. */
    String opsPerSecond() {
        long tenths = elapsedNanos == 0 ? 0 : operations * 10_000_000_000L / elapsedNanos;
        return (tenths / 10) + "." + (tenths % 10);
    }

    long opsPerSecondTenths() {
        return elapsedNanos == 0 ? 0 : operations * 10_000_000_000L / elapsedNanos;
    }
}
