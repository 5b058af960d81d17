package dev.credits.spring;

import dev.credits.Credits;
import dev.credits.event.CreditsEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The ledger's meters in the application's registries: {@code credits.ledger.events} (committed
 * ledger events by event and credit type, e.g. how many spends), the batches a broken wallet
 * invariant refused ({@code credits.ledger.invariant.violations}, the server's name too; should
 * stay 0), and {@code credits.ledger.database.reachable} (1 or 0). Events are counted from
 * when {@link CreditsLifecycle} starts.
 */
public class CreditsMetrics implements MeterBinder, CreditsEventSink {
    static final String EVENTS = "credits.ledger.events";
    static final String INVARIANT_VIOLATIONS = "credits.ledger.invariant.violations";
    static final String DATABASE_REACHABLE = "credits.ledger.database.reachable";

    private final Credits credits;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    public CreditsMetrics(Credits credits) {
        this.credits = credits;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(INVARIANT_VIOLATIONS, credits, Credits::invariantViolations)
                .description("Ledger batches failed, writing nothing, by a broken wallet"
                        + " invariant; should stay 0")
                .register(registry);
        Gauge.builder(DATABASE_REACHABLE, credits, c -> c.isHealthy() ? 1 : 0)
                .description("1 while the ledger's database answers, else 0")
                .register(registry);
        registries.add(registry);
    }

    @Override
    public void accept(CreditsEvent event) {
        for (MeterRegistry registry : registries) {
            Counter.builder(EVENTS)
                    .description("Committed ledger events by event and credit type")
                    .tag("event", event.name())
                    .tag("credit_type", event.creditType())
                    .register(registry)
                    .increment();
        }
    }
}
