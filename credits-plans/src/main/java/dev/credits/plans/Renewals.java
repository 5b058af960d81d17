package dev.credits.plans;

import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.GrantSource;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.ValidationException;
import dev.credits.plans.SubscriptionStore.PeriodRow;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Monthly periods: deciding a period's grants, inserting the period under its unique key, and
 * making the grants. Every path — the scheduler, {@code credits renew}, the renew route, a new
 * subscription — goes through {@link #renewPeriod} or {@link #completePeriod}, so a period is
 * granted exactly once however they race.
 */
final class Renewals {
    static final int DUE_BATCH_MAX = 500;
    static final int DUE_BATCHES_MAX = 100;
    static final int REPAIR_BATCH_MAX = 500;
    static final String RENEWED = "SubscriptionRenewed";
    private static final Logger LOG = LoggerFactory.getLogger(Renewals.class);

    private final Credits credits;
    private final Catalog catalog;
    private final SubscriptionStore store;
    private final Granting granting;
    private final PlanOperations operations;

    Renewals(Credits credits, Catalog catalog, SubscriptionStore store, Granting granting,
             PlanOperations operations) {
        this.credits = credits;
        this.catalog = catalog;
        this.store = store;
        this.granting = granting;
        this.operations = operations;
    }

    /** The allowance of a period, plus the capped rollover of {@code unused} credits. */
    List<PlannedGrant> periodGrants(SubscriptionRow sub, Plan plan, Periods.Span span,
                                    Map<String, Long> unused) {
        List<PlannedGrant> grants = new ArrayList<>();
        for (Provision provision : plan.providesMonthly()) {
            grants.add(new PlannedGrant(key(sub, span, PlannedGrant.ALLOWANCE,
                    provision.creditType()), provision.creditType(), provision.amount().units(),
                    PlannedGrant.ALLOWANCE, span.start(), span.end()));
        }
        if (plan.rollover() == null) {
            return grants;
        }
        for (Map.Entry<String, Long> left : unused.entrySet()) {
            if (left.getValue() <= 0 || !credits.creditTypes().contains(left.getKey())) {
                continue;
            }
            CreditType type = credits.creditTypes().require(left.getKey());
            long cap = plan.rollover().capUnits(type, plan.monthlyUnits(type.id()));
            long units = Math.min(left.getValue(), cap);
            if (units > 0) {
                grants.add(new PlannedGrant(key(sub, span, PlannedGrant.ROLLOVER, type.id()),
                        type.id(), units, PlannedGrant.ROLLOVER, span.start(), span.end()));
            }
        }
        return grants;
    }

    /** The ledger idempotency key of a period's grant: (subscription, period start, kind). */
    private static String key(SubscriptionRow sub, Periods.Span span, String kind,
                              String creditType) {
        return IdempotencyKeys.derived("sub:" + sub.id() + ":" + span.start() + ":" + kind + ":"
                + creditType);
    }

    /**
     * Grants the period starting at {@code start} (an anniversary not after {@code now}) once.
     * The period row is inserted first; then its grants are made. A period that exists already
     * is completed instead, which repairs a crash between the two.
     */
    SubscriptionRow renewPeriod(String id, Instant start, Instant now) {
        SubscriptionRow current = require(id);
        Periods.Span span = new Periods.Span(start, Periods.anniversary(current.startedAt(),
                Periods.monthIndex(current.startedAt(), start) + 1));
        // A pending change or cancellation, and the current period's grants, are completed
        // first: the rollover is what they left.
        SubscriptionRow renewed = operations.afterPending(id, () -> completeCurrentOf(id),
                () -> store.inTransaction(c -> insertPeriod(c, id, span, now)));
        PeriodRow period = store.read(c -> store.findPeriod(c, renewed.customerId(), id, start));
        completePeriod(period);
        return renewed;
    }

    private SubscriptionRow insertPeriod(Connection c, String id, Periods.Span span, Instant now)
            throws SQLException {
        SubscriptionRow sub = store.lock(c, id);
        operations.requireSettled(c, sub); // the rollover is what the current period left
        if (sub.isCanceledAt(now) || (sub.cancelAt() != null
                && !span.start().isBefore(sub.cancelAt()))) {
            throw new InvalidStateException("subscription " + id + " is canceled");
        }
        if (!span.start().isAfter(sub.periodStart())) {
            if (store.findPeriod(c, sub.customerId(), id, span.start()) == null) {
                throw new InvalidStateException("period " + span.start() + " of subscription "
                        + id + " is before its current period and was never granted");
            }
            return sub; // granted before: a replay
        }
        if (!span.end().isAfter(now)) {
            throw new InvalidStateException("period " + span.start() + " of subscription " + id
                    + " ended at " + span.end() + "; only the current period can be renewed");
        }
        String planId = sub.pendingPlan() != null ? sub.pendingPlan() : sub.plan();
        Plan plan = catalog.requirePlan(planId);
        Map<String, Long> unused = sub.periodEnd().equals(span.start())
                ? store.unusedAtExpiry(c, sub.customerId(), id, sub.periodStart()) : Map.of();
        List<PlannedGrant> grants = periodGrants(sub, plan, span, unused);
        if (!store.insertPeriod(c, sub, span, planId, grants, now)) {
            return sub; // another process got here first; its grants are completed below
        }
        SubscriptionRow next = sub.withPlan(planId, null).withPeriod(span);
        store.updateSubscription(c, next, now);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("subscription_id", id);
        event.put("plan", planId);
        event.put("period_start", span.start().toString());
        event.put("period_end", span.end().toString());
        event.put("grants", granting.describe(grants));
        store.appendEvent(c, sub.customerId(), RENEWED, event, now);
        return next;
    }

    /** {@link #completeCurrent} of the subscription as it is now. */
    void completeCurrentOf(String id) {
        completeCurrent(require(id));
    }

    /** Makes the grants of the subscription's current period, if a crash left any unmade. */
    void completeCurrent(SubscriptionRow sub) {
        PeriodRow period = store.read(c -> store.findPeriod(c, sub.customerId(), sub.id(),
                sub.periodStart()));
        completePeriod(period);
    }

    /** Makes a period's planned grants (the ledger replays any made before); marks it done. */
    void completePeriod(PeriodRow period) {
        if (period == null || period.granted()) {
            return;
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("subscription_id", period.subscriptionId());
        metadata.put("period_start", period.start().toString());
        granting.make(period.customerId(), period.grants(), GrantSource.SUBSCRIPTION,
                "subscription " + period.subscriptionId(), metadata);
        store.inTransaction(c -> {
            store.markPeriodGranted(c, period, credits.now());
            return null;
        });
    }

    /** Renews every subscription whose period has ended; returns how many were renewed. */
    int renewDue() {
        for (PeriodRow period : store.read(c -> store.ungrantedPeriods(c, REPAIR_BATCH_MAX))) {
            completePeriod(period);
        }
        operations.completeAllPending();
        Instant now = credits.now();
        int renewed = 0;
        for (int batch = 0; batch < DUE_BATCHES_MAX; batch++) {
            List<String> due = store.read(c -> store.due(c, now, DUE_BATCH_MAX));
            for (String id : due) {
                try {
                    renewed += renewOneDue(id, now) ? 1 : 0;
                } catch (CreditsException e) {
                    LOG.warn("renewal of subscription {} failed: {}", id, e.getMessage());
                }
            }
            if (due.size() < DUE_BATCH_MAX) {
                break;
            }
        }
        return renewed;
    }

    /** Renews one subscription to the period containing now, or ends it at its cancel_at. */
    boolean renewOneDue(String id, Instant now) {
        SubscriptionRow sub = require(id);
        if (sub.periodEnd().isAfter(now) || Subscription.CANCELED.equals(sub.status())) {
            return false; // renewed or ended by someone else meanwhile
        }
        Periods.Span span = Periods.allowancePeriod(sub.startedAt(), now);
        if (sub.cancelAt() != null && !sub.cancelAt().isAfter(span.start())) {
            store.inTransaction(c -> {
                SubscriptionRow locked = store.lock(c, id);
                store.updateSubscription(c, locked.withCancel(Subscription.CANCELED,
                        locked.cancelAt()), now);
                return null;
            });
            return false;
        }
        if (!store.read(c -> store.paidFor(c, id, span.start()))) {
            return false; // billed elsewhere, and this period is not paid for (yet)
        }
        renewPeriod(id, span.start(), now);
        return true;
    }

    SubscriptionRow require(String id) {
        SubscriptionRow row = id == null ? null : store.read(c -> store.find(c, id));
        if (row == null) {
            throw new NotFoundException("subscription " + id + " not found");
        }
        return row;
    }

    /** Checks a renew request's period start: an anniversary that has begun. */
    static void requireRenewable(SubscriptionRow sub, Instant start, Instant now) {
        if (start == null) {
            throw new ValidationException("period_start", "is required");
        }
        if (!Periods.isAnniversary(sub.startedAt(), start)) {
            throw new ValidationException("period_start", "must be a monthly anniversary of"
                    + " started_at " + sub.startedAt() + ", was " + start);
        }
        if (start.isAfter(now)) {
            throw new ValidationException("period_start", "must not be in the future; the"
                    + " period has not begun");
        }
    }
}
