package dev.credits.cli.bench;

import java.util.List;

/** The benchmark's table for people and its JSON for tools. */
final class Report {
    private Report() {
    }

    /** The target of each ratio the table prints (issue 15), beside what was measured. */
    static final List<Ratio> RATIOS = List.of(
            new Ratio("uniform", "batched", "ceiling", "sql", 5, "uniform batched / ceiling"),
            new Ratio("uniform", "batched", "sql-single", "sql", 40,
                    "uniform batched / sql-single"),
            new Ratio("hot", "batched", "uniform", "batched", 9, "hot batched / uniform batched"),
            new Ratio("http", "batched", "uniform", "batched", 7,
                    "http batched / uniform batched"));

    /** {@code numerator / denominator} of two rows, and its target in tenths (≥). */
    record Ratio(String scenario, String mode, String overScenario, String overMode,
                 long targetTenths, String label) {
        /** In hundredths; -1 when a row is missing or empty. */
        long hundredths(List<Result> results) {
            Result top = find(results, scenario, mode);
            Result bottom = find(results, overScenario, overMode);
            if (top == null || bottom == null || bottom.opsPerSecondTenths() == 0) {
                return -1;
            }
            return top.opsPerSecondTenths() * 100 / bottom.opsPerSecondTenths();
        }
    }

    static String table(List<Result> results, boolean noFsync, List<String> notes,
                        long fsyncNanos) {
        StringBuilder out = new StringBuilder();
        out.append("one synchronous 8 KiB write (write + fsync) takes ").append(Latencies.millis(fsyncNanos))
                .append(" ms on this disk: absolute figures depend on it; compare ratios")
                .append(System.lineSeparator());
        out.append(String.format("%-10s %-8s %7s %12s %9s %9s %7s%n", "scenario", "mode",
                "clients", "ops/s", "p50 ms", "p99 ms", "errors"));
        for (Result r : results) {
            out.append(String.format("%-10s %-8s %7d %12s %9s %9s %7d%n", r.scenario(), r.mode(),
                    r.clients(), r.opsPerSecond(), r.p50Ms(), r.p99Ms(), r.errors()));
        }
        for (String scenario : List.of("uniform", "hot", "http")) {
            Result batched = find(results, scenario, "batched");
            Result single = find(results, scenario, "single");
            if (batched != null && single != null && single.opsPerSecondTenths() > 0) {
                long ratioTenths = batched.opsPerSecondTenths() * 10 / single.opsPerSecondTenths();
                out.append(String.format("%s: batched/single = %d.%dx%n", scenario,
                        ratioTenths / 10, ratioTenths % 10));
            }
        }
        for (Ratio ratio : RATIOS) {
            long hundredths = ratio.hundredths(results);
            if (hundredths >= 0) {
                out.append(String.format("%s = %d.%02d (target at least %d.%d)%n", ratio.label(),
                        hundredths / 100, hundredths % 100, ratio.targetTenths() / 10,
                        ratio.targetTenths() % 10));
            }
        }
        Result off = find(results, "webhooks", "off");
        Result on = find(results, "webhooks", "on");
        if (off != null && on != null && off.opsPerSecondTenths() > 0) {
            long percent = on.opsPerSecondTenths() * 100 / off.opsPerSecondTenths();
            out.append(String.format("webhooks: spends with delivery on = %d%% of off"
                    + " (target: at least 90%%)%n", percent));
        }
        for (String note : notes) {
            out.append(note).append(System.lineSeparator());
        }
        out.append(noFsync ? "(embedded PostgreSQL 17 WITHOUT fsync: diagnosis only; "
                : "(durable embedded PostgreSQL 17, fsync=on, synchronous_commit=on; ");
        out.append("http load from keep-alive connections opened in the same JVM)")
                .append(System.lineSeparator());
        return out.toString();
    }

    static String json(List<Result> results, long fsyncNanos) {
        StringBuilder out = new StringBuilder("{\"fsync_ms\": " + Latencies.millis(fsyncNanos)
                + ", \"ratios\": {");
        String separator = "";
        for (Ratio ratio : RATIOS) {
            long hundredths = ratio.hundredths(results);
            if (hundredths >= 0) {
                out.append(separator).append(String.format("\"%s\": %d.%02d",
                        ratio.label().replace(" / ", "/").replace(' ', '_'), hundredths / 100,
                        hundredths % 100));
                separator = ", ";
            }
        }
        out.append("}, \"results\": [");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            out.append(i == 0 ? "" : ", ").append(String.format(
                    "{\"scenario\": \"%s\", \"mode\": \"%s\", \"ops_per_second\": %s,"
                            + " \"p50_ms\": %s, \"p99_ms\": %s, \"clients\": %d,"
                            + " \"operations\": %d, \"errors\": %d}", r.scenario(), r.mode(),
                    r.opsPerSecond(), r.p50Ms(), r.p99Ms(), r.clients(), r.operations(),
                    r.errors()));
        }
        return out.append("]}\n").toString();
    }

    private static Result find(List<Result> results, String scenario, String mode) {
        return results.stream().filter(r -> r.scenario().equals(scenario)
                && r.mode().equals(mode)).findFirst().orElse(null);
    }
}
