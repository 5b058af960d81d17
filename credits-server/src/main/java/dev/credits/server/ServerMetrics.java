package dev.credits.server;

import dev.credits.Credits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * What {@code /metrics} shows: HTTP requests by method, route template and status (count and
 * latency), ledger operations by operation and outcome ({@code ok}, {@code replayed}, or the
 * error code), and the batches a broken ledger invariant failed.
 */
final class ServerMetrics {
    static final String HTTP_REQUESTS = "http.server.requests";
    static final String LEDGER_OPERATIONS = "credits.ledger.operations";
    static final String INVARIANT_VIOLATIONS = "credits.ledger.invariant.violations";
    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    ServerMetrics(Credits credits) {
        FunctionCounter.builder(INVARIANT_VIOLATIONS, credits, Credits::invariantViolations)
                .description("Ledger batches failed, writing nothing, by a broken wallet"
                        + " invariant; should stay 0")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    void request(String method, String route, int status, long durationNanos) {
        Timer.builder(HTTP_REQUESTS)
                .description("HTTP requests by method, route template and status")
                .tag("method", method)
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(registry)
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    void operation(String operation, String outcome) {
        Counter.builder(LEDGER_OPERATIONS)
                .description("Ledger operations by operation and outcome")
                .tag("operation", operation)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    String scrape() {
        return registry.scrape();
    }
}
