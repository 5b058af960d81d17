package dev.credits.plans;

import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.IdempotencyConflictException;
import dev.credits.NotFoundException;
import dev.credits.ValidationException;
import dev.credits.core.Command;
import dev.credits.core.Ids;
import dev.credits.postgres.PostgresLedgerStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscriptions and purchases over a {@link Credits} ledger, with the plans and products of a
 * {@link Catalog}. Thread-safe, and safe with other processes on the same database: every
 * monthly period and every purchase is granted exactly once.
 * <pre>{@code
 * Plans plans = Plans.open(credits, catalog);
 * Subscription s = plans.create("user_42", "pro", null, null);
 * plans.purchase("user_42", "pack_small", 2, "pi_123");
 * plans.renewDue(); // what the scheduler and `credits renew` run
 * }</pre>
 * Failures are the ledger's typed exceptions: {@link ValidationException} (an unknown plan or
 * product, a quantity outside 1–1000, a period start that is not an anniversary),
 * {@link NotFoundException}, {@link dev.credits.InvalidStateException} (a change to a canceled
 * subscription, a change to the plan held), {@link IdempotencyConflictException}.
 */
public final class Plans implements AutoCloseable {
    public static final int QUANTITY_MIN = 1;
    public static final int QUANTITY_MAX = 1_000;
    public static final int PAYMENT_REFERENCE_LENGTH_MAX = 200;
    public static final long RENEWAL_INTERVAL_MS_DEFAULT = 10_000;
    /** The furthest one advance of the test clock may go (400 days). */
    public static final long ADVANCE_SECONDS_MAX = 400L * 86_400;
    private static final Logger LOG = LoggerFactory.getLogger(Plans.class);

    private final Credits credits;
    private final Catalog catalog;
    private final SubscriptionStore store;
    private final Renewals renewals;
    private final PlanChanges changes;
    private final Purchases purchases;
    private final Object advancing = new Object();
    private ScheduledExecutorService scheduler;

    private Plans(Credits credits, Catalog catalog) {
        this.credits = credits;
        this.catalog = catalog;
        this.store = new SubscriptionStore(((PostgresLedgerStore) credits.store()).database()
                .dataSource());
        Granting granting = new Granting(credits);
        this.renewals = new Renewals(credits, catalog, store, granting);
        this.changes = new PlanChanges(credits, catalog, store, granting, renewals);
        this.purchases = new Purchases(credits, catalog, store, granting);
    }

    /** Plans over a ledger on PostgreSQL (credits-postgres). */
    public static Plans open(Credits credits, Catalog catalog) {
        return new Plans(credits, catalog);
    }

    public Catalog catalog() {
        return catalog;
    }

    /**
     * Subscribes a customer to a plan from {@code startedAt} (null: now; not in the future) and
     * grants the allowance of the current period only. With an {@code idempotencyKey}, a retry
     * returns the first subscription.
     */
    public Subscription create(String customerId, String planId, Instant startedAt,
                               String idempotencyKey) {
        CustomerIds.requireValid(customerId);
        Plan plan = catalog.requirePlan(planId);
        requireKey(idempotencyKey);
        Instant now = credits.now();
        Instant started = startedAt == null ? now : startedAt.truncatedTo(ChronoUnit.MICROS);
        if (started.isAfter(now)) {
            throw new ValidationException("started_at", "must not be in the future");
        }
        Periods.Span span = Periods.allowancePeriod(started, now);
        SubscriptionRow row = new SubscriptionRow(customerId, newId("sub_"), plan.id(), null,
                Subscription.ACTIVE, started, span.start(), span.end(), null, idempotencyKey);
        SubscriptionRow stored = store.inTransaction(c -> {
            if (!store.insertSubscription(c, row, now)) {
                SubscriptionRow first = store.findByKey(c, customerId, idempotencyKey);
                if (!first.plan().equals(plan.id())
                        || (startedAt != null && !first.startedAt().equals(started))) {
                    throw new IdempotencyConflictException(idempotencyKey);
                }
                return first;
            }
            store.insertPeriod(c, row, span, plan.id(),
                    renewals.periodGrants(row, plan, span, java.util.Map.of()), now);
            return row;
        });
        renewals.completeCurrent(stored);
        return view(renewals.require(stored.id()), now);
    }

    public Subscription subscription(String id) {
        return view(renewals.require(id), credits.now());
    }

    /** A customer's subscriptions, oldest first. */
    public List<Subscription> subscriptions(String customerId) {
        CustomerIds.requireValid(customerId);
        Instant now = credits.now();
        List<Subscription> out = new ArrayList<>();
        for (SubscriptionRow row : store.read(c -> store.list(c, customerId))) {
            out.add(view(row, now));
        }
        return out;
    }

    /**
     * Changes the plan. With {@code prorate} the rest of the current period's allowance is
     * exchanged for the new plan's, by time share; without, the new plan starts at the next
     * renewal.
     */
    public Subscription change(String id, String planId, boolean prorate) {
        return view(changes.change(id, planId, prorate), credits.now());
    }

    /** Cancels now (voids the remaining allowance) or at the end of the billing period. */
    public Subscription cancel(String id, boolean atPeriodEnd) {
        return view(changes.cancel(id, atPeriodEnd ? PlanChanges.CancelAt.PERIOD_END
                : PlanChanges.CancelAt.NOW), credits.now());
    }

    /**
     * Grants the monthly period starting at {@code periodStart} (an anniversary of started_at
     * that has begun) unless it was granted before: the hook for a payment webhook.
     */
    public Subscription renew(String id, Instant periodStart) {
        Instant now = credits.now();
        Renewals.requireRenewable(renewals.require(id), periodStart, now);
        return view(renewals.renewPeriod(id, periodStart.truncatedTo(ChronoUnit.MICROS), now),
                now);
    }

    /** Buys {@code quantity} of a product; idempotent by {@code paymentReference}. */
    public Purchase purchase(String customerId, String productId, int quantity,
                             String paymentReference) {
        return purchases.purchase(customerId, productId, quantity, paymentReference);
    }

    /**
     * Renews every subscription whose period has ended and completes any period a crash left
     * half-granted. Safe in several processes at once. Returns the subscriptions renewed.
     */
    public int renewDue() {
        return renewals.renewDue();
    }

    /** Runs {@link #renewDue()} every {@code intervalMs} on a background thread. */
    public synchronized void startScheduler(long intervalMs) {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "credits-renewals");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                renewDue();
            } catch (RuntimeException e) {
                LOG.warn("scheduled renewals failed; will retry", e);
            }
        }, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** The ledger's clock when it is a simulated {@link TestClock}. */
    public Optional<TestClock> testClock() {
        return credits.clock() instanceof TestClock clock && clock.isSimulated()
                ? Optional.of(clock) : Optional.empty();
    }

    /**
     * Moves the test clock forward to {@code target} (at most {@link #ADVANCE_SECONDS_MAX}
     * ahead), running everything that falls due on the way in time order: at each instant where
     * a renewal, a grant expiry or a hold expiry is due, the clock stops, renewals run, then the
     * expiry sweep. Throws {@link NotFoundException} when time is not simulated,
     * {@link ValidationException} (field {@code to}) for a target in the past or too far.
     */
    public Instant advanceTestClock(Instant target) {
        TestClock clock = testClock().orElseThrow(() -> new NotFoundException(
                "the test clock is off; start the server with --test-clock"));
        synchronized (advancing) {
            Instant now = credits.now();
            Instant to = target.truncatedTo(ChronoUnit.MICROS);
            if (to.isBefore(now)) {
                throw new ValidationException("to", "must not be before the clock's time " + now
                        + "; the test clock only moves forward");
            }
            if (Periods.micros(now, to) > ADVANCE_SECONDS_MAX * 1_000_000L) {
                throw new ValidationException("to", "must be at most " + ADVANCE_SECONDS_MAX
                        + " seconds (400 days) after the clock's time " + now);
            }
            runDue();
            while (now.isBefore(to)) {
                Instant from = now;
                Instant due = store.read(c -> store.nextDueAfter(c, from));
                now = clock.moveTo(due == null || due.isAfter(to) ? to : due);
                runDue();
            }
            return now;
        }
    }

    private void runDue() {
        renewDue();
        credits.sweep();
    }

    static String newId(String prefix) {
        return prefix + Ids.grant().substring(Ids.GRANT.length());
    }

    private static void requireKey(String key) {
        if (key != null && (key.isEmpty() || key.length() > Command.IDEMPOTENCY_KEY_LENGTH_MAX)) {
            throw new ValidationException("Idempotency-Key", "must be 1-"
                    + Command.IDEMPOTENCY_KEY_LENGTH_MAX + " characters");
        }
    }

    private Subscription view(SubscriptionRow row, Instant now) {
        Plan plan = catalog.plans().stream().filter(p -> p.id().equals(row.plan())).findFirst()
                .orElse(null);
        Interval interval = plan == null ? Interval.MONTH : plan.interval();
        boolean canceled = row.isCanceledAt(now);
        Instant at = now;
        if (canceled && row.cancelAt() != null) {
            Instant last = row.cancelAt().minus(1, ChronoUnit.MICROS);
            at = last.isBefore(row.startedAt()) ? row.startedAt() : last;
        }
        Periods.Span billing = Periods.billingPeriod(row.startedAt(), interval, at);
        return new Subscription(row.id(), row.customerId(), row.plan(), row.pendingPlan(),
                canceled ? Subscription.CANCELED : Subscription.ACTIVE, row.startedAt(),
                billing.start(), billing.end(), row.periodStart(), row.periodEnd(),
                row.cancelAt());
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
