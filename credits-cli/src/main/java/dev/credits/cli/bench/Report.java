package dev.credits.cli.bench;

import java.util.List;

/** The benchmark's table for people and its JSON for tools. */
final class Report {
    private Report() {
    }

    static String table(List<Result> results, boolean noFsync, List<String> notes) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-9s %-8s %7s %12s %9s %9s %7s%n", "scenario", "mode",
                "clients", "ops/s", "p50 ms", "p99 ms", "errors"));
        for (Result r : results) {
            out.append(String.format("%-9s %-8s %7d %12s %9s %9s %7d%n", r.scenario(), r.mode(),
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

    static String json(List<Result> results) {
        StringBuilder out = new StringBuilder("{\"results\": [");
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
