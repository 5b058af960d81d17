package dev.credits.plans;

import dev.credits.Credits;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import dev.credits.InvalidStateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plan changes and cancellations. Each runs under the subscription's row lock, so it never
 * interleaves with a renewal of the same subscription. Credits already granted are never
 * edited: a share is taken back with a void (an appended entry) and what stays is granted anew.
 */
final class PlanChanges {
    static final String CHANGED = "SubscriptionChanged";
    static final String CANCELED = "SubscriptionCanceled";
    /** Tries to void an allowance grant while spends keep changing its remaining. */
    static final int VOID_ATTEMPTS_MAX = 5;

    /** When a cancellation takes effect. */
    enum CancelAt { NOW, PERIOD_END }

    private final Credits credits;
    private final Catalog catalog;
    private final SubscriptionStore store;
    private final Granting granting;
    private final Renewals renewals;

    PlanChanges(Credits credits, Catalog catalog, SubscriptionStore store, Granting granting,
                Renewals renewals) {
        this.credits = credits;
        this.catalog = catalog;
        this.store = store;
        this.granting = granting;
        this.renewals = renewals;
    }

    SubscriptionRow change(String id, String planId, boolean prorate) {
        Plan target = catalog.requirePlan(planId);
        Instant now = credits.now();
        SubscriptionRow before = renewals.require(id);
        if (!before.isCanceledAt(now) && !before.periodEnd().isAfter(now)) {
            renewals.renewOneDue(id, now); // prorate within the period that is current now
        }
        renewals.completeCurrent(renewals.require(id));
        return store.inTransaction(c -> {
            SubscriptionRow sub = store.lock(c, id);
            requireChangeable(sub, now);
            SubscriptionRow next;
            if (target.id().equals(sub.plan())) {
                if (sub.pendingPlan() == null) {
                    throw new InvalidStateException("subscription " + id + " is already on plan "
                            + target.id());
                }
                next = sub.withPlan(sub.plan(), null); // undoes a change waiting for renewal
            } else if (target.id().equals(sub.pendingPlan())) {
                throw new InvalidStateException("subscription " + id + " already changes to plan "
                        + target.id() + " at its next renewal");
            } else if (prorate) {
                prorate(c, sub, target, now);
                next = sub.withPlan(target.id(), null);
            } else {
                next = sub.withPlan(sub.plan(), target.id());
            }
            store.updateSubscription(c, next, now);
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("subscription_id", id);
            event.put("from_plan", sub.plan());
            event.put("to_plan", target.id());
            event.put("prorate", prorate);
            event.put("effective_at", (prorate || next.pendingPlan() == null ? now
                    : sub.periodEnd()).toString());
            store.appendEvent(c, sub.customerId(), CHANGED, event, now);
            return next;
        });
    }

    /**
     * Takes back the share of each allowance grant that belongs to the rest of the period
     * (rounded down), keeping what was used and what belongs to the time gone by, then grants
     * the new plan's allowance for the rest of the period (rounded down). Rollover stays.
     */
    private void prorate(Connection c, SubscriptionRow sub, Plan target, Instant now)
            throws SQLException {
        Instant end = sub.periodEnd();
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("subscription_id", sub.id());
        metadata.put("period_start", sub.periodStart().toString());
        String reason = "plan change to " + target.id();
        for (PeriodGrantRow grant : store.activePeriodGrants(c, sub.customerId(), sub.id(),
                sub.periodStart(), now)) {
            if (!PlannedGrant.ALLOWANCE.equals(grant.kind())) {
                continue;
            }
            long share = Periods.shareOfRest(grant.amount(), grant.effectiveAt(), end, now);
            Long kept = voidTakingShare(grant.id(), share, reason);
            if (kept != null && kept > 0) {
                granting.grant(sub.customerId(), new PlannedGrant(null, grant.creditType(), kept,
                        PlannedGrant.KEPT, now, end), GrantSource.SUBSCRIPTION, reason, metadata);
            }
        }
        for (Provision provision : target.providesMonthly()) {
            long units = Periods.shareOfRest(provision.amount().units(), sub.periodStart(), end,
                    now);
            if (units > 0) {
                granting.grant(sub.customerId(), new PlannedGrant(null, provision.creditType(),
                        units, PlannedGrant.ALLOWANCE, now, end), GrantSource.SUBSCRIPTION,
                        reason, metadata);
            }
        }
    }

    /**
     * Voids an allowance grant and returns what of its remaining is kept (its remaining less
     * {@code share}), or null when nothing is taken. The void applies only to the remaining the
     * computation used: a spend in between (the wallet is not locked here) makes it try again
     * with the new remaining, so spent credits are never given back.
     */
    private Long voidTakingShare(String grantId, long share, String reason) {
        for (int attempt = 1; ; attempt++) {
            GrantRecord fresh = credits.grant(grantId);
            long remaining = fresh.remaining().units();
            long taken = Math.min(remaining, share);
            if (fresh.status() != GrantStatus.ACTIVE || taken == 0) {
                return null;
            }
            try {
                credits.voidGrantIfRemaining(grantId, fresh.remaining(), reason);
                return remaining - taken;
            } catch (InvalidStateException changed) {
                if (attempt >= VOID_ATTEMPTS_MAX) {
                    throw changed;
                }
            }
        }
    }

    SubscriptionRow cancel(String id, CancelAt at) {
        Instant now = credits.now();
        renewals.completeCurrent(renewals.require(id));
        return store.inTransaction(c -> {
            SubscriptionRow sub = store.lock(c, id);
            if (sub.isCanceledAt(now)) {
                throw new InvalidStateException("subscription " + id + " is canceled");
            }
            SubscriptionRow next;
            if (at == CancelAt.NOW) {
                for (PeriodGrantRow grant : store.activePeriodGrants(c, sub.customerId(), id,
                        sub.periodStart(), now)) {
                    credits.voidGrant(grant.id(), "subscription canceled", null);
                }
                next = sub.withCancel(Subscription.CANCELED, now);
            } else {
                if (sub.cancelAt() != null) {
                    throw new InvalidStateException("subscription " + id
                            + " is already canceled at " + sub.cancelAt());
                }
                Plan plan = catalog.requirePlan(sub.plan());
                next = sub.withCancel(Subscription.ACTIVE, Periods.billingPeriod(sub.startedAt(),
                        plan.interval(), now).end());
            }
            store.updateSubscription(c, next, now);
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("subscription_id", id);
            event.put("at", at == CancelAt.NOW ? "now" : "period_end");
            event.put("cancel_at", next.cancelAt().toString());
            store.appendEvent(c, sub.customerId(), CANCELED, event, now);
            return next;
        });
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
