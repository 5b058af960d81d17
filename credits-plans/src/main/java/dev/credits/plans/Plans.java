package dev.credits.plans;

import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.IdempotencyConflictException;
import dev.credits.IdempotencyKeys;
import dev.credits.NotFoundException;
import dev.credits.Times;
import dev.credits.ValidationException;
import dev.credits.internal.Ids;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
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
    /** The stored name of the event of a new subscription (subscription.created on the wire). */
    static final String CREATED_EVENT = "SubscriptionCreated";
    private static final Logger LOG = LoggerFactory.getLogger(Plans.class);

    private final Credits credits;
    private final Catalog catalog;
    private final SubscriptionStore store;
    private final Renewals renewals;
    private final PlanChanges changes;
    private final Purchases purchases;
    private final Object advancing = new Object();
    private ScheduledExecutorService scheduler;

    private Plans(Credits credits, DataSource dataSource, Catalog catalog) {
        this.credits = credits;
        this.catalog = catalog;
        this.store = new SubscriptionStore(dataSource);
        Granting granting = new Granting(credits);
        PlanOperations operations = new PlanOperations(credits, store, granting);
        this.renewals = new Renewals(credits, catalog, store, granting, operations);
        this.changes = new PlanChanges(credits, catalog, store, renewals, operations);
        this.purchases = new Purchases(credits, catalog, store, granting);
    }

    /**
     * Plans over a ledger on PostgreSQL, keeping subscriptions in the ledger's own database
     * ({@code dataSource}, e.g. {@link dev.credits.postgres.PostgresLedger#dataSource()}).
     */
    public static Plans open(Credits credits, DataSource dataSource, Catalog catalog) {
        return new Plans(credits, dataSource, catalog);
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
        return create(customerId, planId, startedAt, idempotencyKey, null);
    }

    /**
     * {@link #create(String, String, Instant, String)} for a subscription billed elsewhere (a
     * payment provider's subscription): it renews only through what {@link #payThrough} says is
     * paid, starting at {@code paidThrough} (null: billed here, renewed by the scheduler).
     */
    public Subscription create(String customerId, String planId, Instant startedAt,
                               String idempotencyKey, Instant paidThrough) {
        CustomerIds.requireValid(customerId);
        Plan plan = catalog.requirePlan(planId);
        requireKey(idempotencyKey);
        Instant now = credits.now();
        Instant started = startedAt == null ? now : Times.require("started_at", startedAt);
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
                if (paidThrough != null) {
                    store.payThrough(c, first.id(), paidThrough, now);
                }
                return first;
            }
            if (paidThrough != null) {
                store.payThrough(c, row.id(), paidThrough, now);
            }
            store.insertPeriod(c, row, span, plan.id(),
                    renewals.periodGrants(row, plan, span, java.util.Map.of()), now);
            java.util.Map<String, Object> event = new java.util.LinkedHashMap<>();
            event.put("subscription_id", row.id());
            event.put("plan", plan.id());
            event.put("started_at", started.toString());
            event.put("period_start", span.start().toString());
            event.put("period_end", span.end().toString());
            store.appendEvent(c, customerId, CREATED_EVENT, event, now);
            return row;
        });
        renewals.completeCurrent(stored);
        Subscription created = view(renewals.require(stored.id()), now);
        return stored == row ? created : created.asReplay();
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
        return change(id, planId, prorate, null);
    }

    /**
     * {@link #change(String, String, boolean)} with an idempotency key: a retry with the same key
     * and request answers what the first answered; the same key for another request throws
     * {@link IdempotencyConflictException}. The change is all or nothing: if the ledger fails
     * part way ({@link dev.credits.StorageUnavailableException}), it is recorded and the next
     * request on the subscription, or the renewal scheduler, completes it exactly once.
     */
    public Subscription change(String id, String planId, boolean prorate,
                               String idempotencyKey) {
        requireKey(idempotencyKey);
        return changes.change(id, planId, prorate, idempotencyKey);
    }

    /** Cancels now (voids the remaining allowance) or at the end of the billing period. */
    public Subscription cancel(String id, boolean atPeriodEnd) {
        return cancel(id, atPeriodEnd, null);
    }

    /** {@link #cancel(String, boolean)} with an idempotency key, as for a change. */
    public Subscription cancel(String id, boolean atPeriodEnd, String idempotencyKey) {
        requireKey(idempotencyKey);
        return changes.cancel(id, atPeriodEnd ? PlanChanges.CancelAt.PERIOD_END
                : PlanChanges.CancelAt.NOW, idempotencyKey);
    }

    /**
     * Grants the monthly period starting at {@code periodStart} (an anniversary of started_at
     * that has begun) unless it was granted before: the hook for a payment webhook.
     */
    public Subscription renew(String id, Instant periodStart) {
        Instant now = credits.now();
        Instant start = Times.require("period_start", periodStart);
        Renewals.requireRenewable(renewals.require(id), start, now);
        return view(renewals.renewPeriod(id, start, now), now);
    }

    /**
     * Records that a subscription billed elsewhere is paid through {@code paidThrough} (an
     * invoice was paid) and renews it now if the period containing now is paid for. Never
     * shortens what was paid before; calling it again changes nothing. A subscription that was
     * not billed elsewhere is billed elsewhere from now on.
     */
    public Subscription payThrough(String id, Instant paidThrough) {
        Instant through = Times.require("paid_through", paidThrough);
        Instant now = credits.now();
        SubscriptionRow sub = renewals.require(id);
        store.inTransaction(c -> store.payThrough(c, id, through, now));
        if (!sub.periodEnd().isAfter(now) && !sub.isCanceledAt(now)) {
            renewals.renewOneDue(id, now); // the period containing now, if that one is paid
        }
        return view(renewals.require(id), now);
    }

    /** Buys {@code quantity} of a product; idempotent by {@code paymentReference}. */
    public Purchase purchase(String customerId, String productId, int quantity,
                             String paymentReference) {
        return purchase(customerId, productId, quantity, paymentReference, null);
    }

    /**
     * {@link #purchase(String, String, int, String)} with an idempotency key too: the same key
     * for another purchase (another reference, product or quantity) throws
     * {@link IdempotencyConflictException} and grants nothing.
     */
    public Purchase purchase(String customerId, String productId, int quantity,
                             String paymentReference, String idempotencyKey) {
        requireKey(idempotencyKey);
        return purchases.purchase(customerId, productId, quantity, paymentReference,
                idempotencyKey);
    }

    /**
     * A purchase paid {@code paid} (what the payment provider charged, say after a discount):
     * its grants' cost basis, instead of the product's price times the quantity.
     */
    public Purchase purchase(String customerId, String productId, int quantity,
                             String paymentReference, String idempotencyKey,
                             dev.credits.Money paid) {
        requireKey(idempotencyKey);
        return purchases.purchase(customerId, productId, quantity, paymentReference,
                idempotencyKey, paid);
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
        return advanceTestClock(null, target, null);
    }

    /**
     * Moves the test clock {@code seconds} forward or to {@code to} (exactly one of them), as
     * {@link #advanceTestClock(Instant)}. With an idempotency key, a retry answers the time the
     * first request moved to and moves no further (a first request cut off part way is carried
     * on to its time); the same key for another request throws
     * {@link IdempotencyConflictException}.
     */
    public Instant advanceTestClock(Long seconds, Instant to, String idempotencyKey) {
        TestClock clock = testClock().orElseThrow(() -> new NotFoundException(
                "the test clock is off; start the server with --test-clock"));
        if ((seconds == null) == (to == null)) {
            throw new IllegalArgumentException("give exactly one of seconds and to");
        }
        requireKey(idempotencyKey);
        synchronized (advancing) {
            if (idempotencyKey == null) {
                return advanceTo(clock, target(seconds, to));
            }
            String fingerprint = RequestKeys.fingerprint("test_clock.advance",
                    String.valueOf(seconds), String.valueOf(to));
            Instant target = store.inTransaction(c -> {
                String replay = RequestKeys.claim(c, "", idempotencyKey, fingerprint,
                        "TestClockAdvance", credits.now());
                if (replay != null) {
                    return Instant.parse((String) SubscriptionStore.readObject(replay)
                            .get("now"));
                }
                Instant first = target(seconds, to);
                RequestKeys.recordResult(c, idempotencyKey, SubscriptionStore.write(
                        Map.of("now", first.toString())));
                return first;
            });
            return credits.now().isAfter(target) ? target : advanceTo(clock, target);
        }
    }

    /** Where an advance goes; throws {@link ValidationException} when that is not allowed. */
    private Instant target(Long seconds, Instant to) {
        Instant now = credits.now();
        if (seconds != null) {
            if (seconds < 0 || seconds > ADVANCE_SECONDS_MAX) {
                throw new ValidationException("seconds", "must be 0.." + ADVANCE_SECONDS_MAX);
            }
            return now.plusSeconds(seconds);
        }
        Instant target = Times.require("to", to);
        if (target.isBefore(now)) {
            throw new ValidationException("to", "must not be before the clock's time " + now
                    + "; the test clock only moves forward");
        }
        if (Periods.micros(now, target) > ADVANCE_SECONDS_MAX * 1_000_000L) {
            throw new ValidationException("to", "must be at most " + ADVANCE_SECONDS_MAX
                    + " seconds (400 days) after the clock's time " + now);
        }
        return target;
    }

    private Instant advanceTo(TestClock clock, Instant to) {
        Instant now = credits.now();
        runDue();
        while (now.isBefore(to)) {
            Instant from = now;
            Instant due = store.read(c -> store.nextDueAfter(c, from));
            now = clock.moveTo(due == null || due.isAfter(to) ? to : due);
            runDue();
        }
        return now;
    }

    private void runDue() {
        renewDue();
        credits.sweep();
    }

    static String newId(String prefix) {
        return prefix + Ids.grant().substring(Ids.GRANT.length());
    }

    private static void requireKey(String key) {
        IdempotencyKeys.requireClient("Idempotency-Key", key);
    }

    private Subscription view(SubscriptionRow row, Instant now) {
        return view(catalog, row, now);
    }

    /** A subscription as it reads at {@code now}. */
    static Subscription view(Catalog catalog, SubscriptionRow row, Instant now) {
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
                row.cancelAt(), false);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
