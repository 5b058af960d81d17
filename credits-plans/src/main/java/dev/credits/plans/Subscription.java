package dev.credits.plans;

import java.time.Instant;

/**
 * A customer's subscription to a plan, as the API shows it at {@code asOf}.
 *
 * @param plan                 the plan in force
 * @param pendingPlan          a plan that takes effect at the next renewal (a change without
 *                             proration); null for none
 * @param status               {@code active} or {@code canceled}
 * @param currentPeriodStart   the billing period (a month or a year) that contains now
 * @param allowancePeriodStart the monthly allowance period that was last granted; its start is
 *                             what {@code renew} takes as {@code period_start}
 * @param cancelAt             when renewals stop; null while the subscription renews
 * @param replayed             this answers a retry with the Idempotency-Key of a request made
 *                             before (the first request's answer, as it was)
 */
public record Subscription(String id, String customerId, String plan, String pendingPlan,
                           String status, Instant startedAt, Instant currentPeriodStart,
                           Instant currentPeriodEnd, Instant allowancePeriodStart,
                           Instant allowancePeriodEnd, Instant cancelAt, boolean replayed) {
    public static final String ACTIVE = "active";
    public static final String CANCELED = "canceled";

    /** The same answer, marked as the replay of a request made before with its key. */
    public Subscription asReplay() {
        return new Subscription(id, customerId, plan, pendingPlan, status, startedAt,
                currentPeriodStart, currentPeriodEnd, allowancePeriodStart, allowancePeriodEnd,
                cancelAt, true);
    }

    public boolean isCanceled() {
        return CANCELED.equals(status);
    }
}
