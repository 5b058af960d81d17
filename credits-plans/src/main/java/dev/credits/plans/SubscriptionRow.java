package dev.credits.plans;

import java.time.Instant;

/** A row of {@code subscriptions}: the state the write path locks and changes. */
record SubscriptionRow(String customerId, String id, String plan, String pendingPlan,
                       String status, Instant startedAt, Instant periodStart, Instant periodEnd,
                       Instant cancelAt, String idempotencyKey) {

    SubscriptionRow withPlan(String value, String pending) {
        return new SubscriptionRow(customerId, id, value, pending, status, startedAt,
                periodStart, periodEnd, cancelAt, idempotencyKey);
    }

    SubscriptionRow withPeriod(Periods.Span span) {
        return new SubscriptionRow(customerId, id, plan, pendingPlan, status, startedAt,
                span.start(), span.end(), cancelAt, idempotencyKey);
    }

    SubscriptionRow withCancel(String newStatus, Instant at) {
        return new SubscriptionRow(customerId, id, plan, pendingPlan, newStatus, startedAt,
                periodStart, periodEnd, at, idempotencyKey);
    }

    boolean isCanceledAt(Instant now) {
        return Subscription.CANCELED.equals(status) || (cancelAt != null && !cancelAt.isAfter(now));
    }
}
