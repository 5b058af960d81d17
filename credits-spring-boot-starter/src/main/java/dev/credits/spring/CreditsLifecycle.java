package dev.credits.spring;

import dev.credits.Credits;
import dev.credits.event.CreditsEvent;
import dev.credits.plans.Plans;
import dev.credits.postgres.PostgresLedger;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * When the ledger's events flow. The ledger leaves an event in its outbox until a listener has
 * taken it, so subscribing only at {@link #start()} (after every {@code @EventListener} is
 * registered) hands the application each event committed before, including those a previous
 * run left undelivered; subscribing while the context is still being built would mark them
 * delivered to nobody. {@link #stop()} stops the renewals and closes the ledger (committing what
 * is queued, delivering no more) while the listeners still exist; what it did not deliver stays
 * in the outbox for the next start. Its phase puts it after the web server at start and before
 * it at stop, so no request meets a closed ledger. A context stopped this way is not restarted.
 */
public class CreditsLifecycle implements SmartLifecycle {
    /** Below the web server's phases (Boot's are DEFAULT_PHASE - 1024 and - 2048). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final Credits credits;
    private final ApplicationEventPublisher publisher;
    private final ObjectProvider<CreditsEventSink> sinks;
    private final ObjectProvider<Plans> plans;
    private final ObjectProvider<PostgresLedger> ledger;
    private volatile boolean running;
    private boolean subscribed;

    CreditsLifecycle(Credits credits, ApplicationEventPublisher publisher,
                     ObjectProvider<CreditsEventSink> sinks, ObjectProvider<Plans> plans,
                     ObjectProvider<PostgresLedger> ledger) {
        this.credits = credits;
        this.publisher = publisher;
        this.sinks = sinks;
        this.plans = plans;
        this.ledger = ledger;
    }

    @Override
    public synchronized void start() {
        if (!subscribed) {
            subscribed = true;
            sinks.orderedStream().forEach(sink -> credits.events().on(CreditsEvent.class,
                    sink::accept));
            if (publisher != null) {
                // After the commit, from the outbox, at least once and in order per wallet.
                credits.events().on(CreditsEvent.class, publisher::publishEvent);
            }
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        running = false;
        plans.ifAvailable(Plans::close);
        ledger.ifAvailable(PostgresLedger::close);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
