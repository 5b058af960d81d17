package dev.credits.plans;

import dev.credits.Credits;
import dev.credits.InvalidStateException;
import dev.credits.plans.PlanOperations.Step;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plan changes and cancellations. Each is decided under the subscription's row lock and
 * recorded, with the subscription's new state and every ledger step it takes, in one
 * transaction ({@link PlanOperations}); the steps then run through the ledger exactly once. So a
 * change is all or nothing, whatever fails between its steps, and a request never holds more
 * than one database connection: the lock is released before the ledger is called. Credits
 * already granted are never edited: a share is taken back with a void entry.
 */
final class PlanChanges {
    static final String CHANGED = "SubscriptionChanged";
    static final String CANCELED = "SubscriptionCanceled";

    /** When a cancellation takes effect. */
    enum CancelAt { NOW, PERIOD_END }

    private final Credits credits;
    private final Catalog catalog;
    private final SubscriptionStore store;
    private final Renewals renewals;
    private final PlanOperations operations;

    PlanChanges(Credits credits, Catalog catalog, SubscriptionStore store, Renewals renewals,
                PlanOperations operations) {
        this.credits = credits;
        this.catalog = catalog;
        this.store = store;
        this.renewals = renewals;
        this.operations = operations;
    }

    Subscription change(String id, String planId, boolean prorate, String key) {
        Plan target = catalog.requirePlan(planId);
        Instant now = credits.now();
        SubscriptionRow before = renewals.require(id);
        if (!before.isCanceledAt(now) && !before.periodEnd().isAfter(now)) {
            renewals.renewOneDue(id, now); // prorate within the period that is current now
        }
        String fingerprint = RequestKeys.fingerprint("subscription.change", id, target.id(),
                String.valueOf(prorate));
        return decideLocked(id, key, fingerprint, now,
                (c, sub) -> decideChange(c, sub, target, prorate, now));
    }

    /** What a change or cancellation decides on the locked, settled subscription. */
    private interface Decision {
        Subscription decide(Connection c, SubscriptionRow sub) throws SQLException;
    }

    /**
     * Locks the subscription once its pending work is done, replays the answer recorded under
     * {@code key} or decides, records the answer under the key in the same transaction, then runs
     * the ledger steps the decision recorded.
     */
    private Subscription decideLocked(String id, String key, String fingerprint, Instant now,
                                      Decision decision) {
        Subscription result = operations.afterPending(id, () -> renewals.completeCurrentOf(id),
                () -> store.inTransaction(c -> {
                    SubscriptionRow sub = store.lock(c, id);
                    String replay = key == null ? null : RequestKeys.claim(c, sub.customerId(),
                            key, fingerprint, "Subscription", now);
                    if (replay != null) {
                        return SubscriptionStore.readSubscription(replay).asReplay();
                    }
                    operations.requireSettled(c, sub);
                    return recorded(c, key, decision.decide(c, sub));
                }));
        operations.completePending(id);
        return result;
    }

    private Subscription decideChange(Connection c, SubscriptionRow sub, Plan target,
                                      boolean prorate, Instant now) throws SQLException {
        requireChangeable(sub, now);
        SubscriptionRow next;
        if (target.id().equals(sub.plan())) {
            if (sub.pendingPlan() == null) {
                throw new InvalidStateException("subscription " + sub.id()
                        + " is already on plan " + target.id());
            }
            next = sub.withPlan(sub.plan(), null); // undoes a change waiting for renewal
        } else if (target.id().equals(sub.pendingPlan())) {
            throw new InvalidStateException("subscription " + sub.id() + " already changes to"
                    + " plan " + target.id() + " at its next renewal");
        } else if (prorate) {
            operations.insert(c, sub, "change", "plan change to " + target.id(),
                    prorationSteps(c, sub, target, now), now);
            next = sub.withPlan(target.id(), null);
        } else {
            next = sub.withPlan(sub.plan(), target.id());
        }
        store.updateSubscription(c, next, now);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("subscription_id", sub.id());
        event.put("from_plan", sub.plan());
        event.put("to_plan", target.id());
        event.put("prorate", prorate);
        event.put("effective_at", (prorate || next.pendingPlan() == null ? now
                : sub.periodEnd()).toString());
        store.appendEvent(c, sub.customerId(), CHANGED, event, now);
        return Plans.view(catalog, next, now);
    }

    /**
     * Takes back the share of each allowance grant that belongs to the rest of the period
     * (rounded down; at most what remains), keeping what was used and what belongs to the time
     * gone by, then grants the new plan's allowance for the rest of the period (rounded down).
     * Rollover stays.
     */
    private List<Step> prorationSteps(Connection c, SubscriptionRow sub, Plan target,
                                      Instant now) throws SQLException {
        Instant end = sub.periodEnd();
        List<Step> steps = new ArrayList<>();
        if (!now.isBefore(end)) {
            // The period is over but not renewed (its payment is awaited): nothing of it is
            // left to exchange; the new plan's allowance comes with the renewal.
            return steps;
        }
        for (PeriodGrantRow grant : store.activePeriodGrants(c, sub.customerId(), sub.id(),
                sub.periodStart(), now)) {
            if (!PlannedGrant.ALLOWANCE.equals(grant.kind())) {
                continue;
            }
            // An earlier change in this period took back the share of the rest as it was
            // then, which covers the share of the rest now: it is never taken twice.
            long share = Periods.shareOfRest(grant.amount(), grant.effectiveAt(), end, now)
                    - grant.takenBackUnits();
            if (share > 0) {
                steps.add(Step.takeBack(grant.id(), share));
            }
        }
        for (Provision provision : target.providesMonthly()) {
            long units = Periods.shareOfRest(provision.amount().units(), sub.periodStart(), end,
                    now);
            if (units > 0) {
                steps.add(Step.grant(new PlannedGrant(null, provision.creditType(), units,
                        PlannedGrant.ALLOWANCE, now, end), sub.periodStart()));
            }
        }
        return steps;
    }

    Subscription cancel(String id, CancelAt at, String key) {
        Instant now = credits.now();
        String fingerprint = RequestKeys.fingerprint("subscription.cancel", id, at.name());
        return decideLocked(id, key, fingerprint, now,
                (c, sub) -> decideCancel(c, sub, at, now));
    }

    private Subscription decideCancel(Connection c, SubscriptionRow sub, CancelAt at,
                                      Instant now) throws SQLException {
        if (sub.isCanceledAt(now)) {
            throw new InvalidStateException("subscription " + sub.id() + " is canceled");
        }
        SubscriptionRow next;
        if (at == CancelAt.NOW) {
            List<Step> steps = new ArrayList<>();
            for (PeriodGrantRow grant : store.activePeriodGrants(c, sub.customerId(), sub.id(),
                    sub.periodStart(), now)) {
                steps.add(Step.voidAll(grant.id()));
            }
            operations.insert(c, sub, "cancel", "subscription canceled", steps, now);
            next = sub.withCancel(Subscription.CANCELED, now);
        } else {
            if (sub.cancelAt() != null) {
                throw new InvalidStateException("subscription " + sub.id()
                        + " is already canceled at " + sub.cancelAt());
            }
            Plan plan = catalog.requirePlan(sub.plan());
            next = sub.withCancel(Subscription.ACTIVE, Periods.billingPeriod(sub.startedAt(),
                    plan.interval(), now).end());
        }
        store.updateSubscription(c, next, now);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("subscription_id", sub.id());
        event.put("at", at == CancelAt.NOW ? "now" : "period_end");
        event.put("cancel_at", next.cancelAt().toString());
        store.appendEvent(c, sub.customerId(), CANCELED, event, now);
        return Plans.view(catalog, next, now);
    }

    /** The answer, recorded under the request's key (if any) in the same transaction. */
    private static Subscription recorded(Connection c, String key, Subscription result)
            throws SQLException {
        if (key != null) {
            RequestKeys.recordResult(c, key, SubscriptionStore.writeSubscription(result));
        }
        return result;
    }

    private static void requireChangeable(SubscriptionRow sub, Instant now) {
        if (sub.isCanceledAt(now)) {
            throw new InvalidStateException("subscription " + sub.id() + " is canceled");
        }
        if (sub.cancelAt() != null) {
            throw new InvalidStateException("subscription " + sub.id() + " is canceled at "
                    + sub.cancelAt() + "; its plan can no longer change");
        }
    }
}
