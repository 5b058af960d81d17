package dev.credits.payments;

import dev.credits.postgres.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import javax.sql.DataSource;

/** The payment tables of V11__payments.sql. Each method runs in the caller's transaction. */
final class PaymentStore {
    /** A payment that bought credits, and how much of it was refunded. */
    record PaymentRow(String paymentIntent, String customerId, String kind, String purchaseId,
                      String topupId, Long amount, String currency, long amountRefunded,
                      long amountDisputed, long refundApplied) {
        /** What was given back, by refunds and lost disputes, at most what was paid. */
        long returned() {
            long total = amountRefunded + amountDisputed;
            return amount == null ? total : Math.min(total, amount);
        }
    }

    /** The Stripe subscription behind a credits subscription. */
    record SubscriptionLink(String stripeSubscriptionId, String customerId,
                            String subscriptionId, String priceId, String status,
                            Instant stateAt, String plan, Instant startedAt) {
        SubscriptionLink withChoice(String chosenPlan, Instant chosenStart) {
            return new SubscriptionLink(stripeSubscriptionId, customerId, subscriptionId, priceId,
                    status, stateAt, chosenPlan, chosenStart);
        }
    }

    private final DataSource dataSource;

    PaymentStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    <T> T inTransaction(Jdbc.Work<T> work) {
        return Jdbc.inTransaction(dataSource, work);
    }

    // ---- customers

    String stripeCustomer(Connection c, String customerId) throws SQLException {
        return one(c, "select stripe_customer_id from stripe_customers where customer_id = ?",
                customerId);
    }

    String customerOfStripe(Connection c, String stripeCustomerId) throws SQLException {
        return stripeCustomerId == null ? null : one(c, "select customer_id from"
                + " stripe_customers where stripe_customer_id = ?", stripeCustomerId);
    }

    /** Remembers the pair unless the customer has one already (the first one stays). */
    void rememberCustomer(Connection c, String customerId, String stripeCustomerId, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into stripe_customers"
                + " (customer_id, stripe_customer_id, created_at) values (?, ?, ?)"
                + " on conflict do nothing")) {
            ps.setString(1, customerId);
            ps.setString(2, stripeCustomerId);
            Jdbc.setInstant(ps, 3, now);
            ps.executeUpdate();
        }
    }

    // ---- events

    /** Records a received event; false when it was received before. */
    boolean insertEvent(Connection c, String id, String type, Instant created, String payload,
                        Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into stripe_events (id, type,"
                + " created, payload, received_at) values (?, ?, ?, ?, ?) on conflict do nothing")) {
            ps.setString(1, id);
            ps.setString(2, type);
            Jdbc.setInstant(ps, 3, created);
            ps.setString(4, payload);
            Jdbc.setInstant(ps, 5, now);
            return ps.executeUpdate() == 1;
        }
    }

    /** The outcome of a handled event; null while it is unhandled. */
    String handledOutcome(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select handled_at, outcome from"
                + " stripe_events where id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getTimestamp(1) != null ? rs.getString(2) : null;
            }
        }
    }

    void markHandled(Connection c, String id, String outcome, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_events set handled_at ="
                + " coalesce(handled_at, ?), outcome = coalesce(outcome, ?),"
                + " attempts = attempts + 1 where id = ?")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, outcome);
            ps.setString(3, id);
            ps.executeUpdate();
        }
    }

    void countAttempt(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_events set attempts ="
                + " attempts + 1 where id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }

    // ---- payments

    /**
     * Creates or completes the row of a payment: what is known already stays (the first amount,
     * the first purchase), the refunded amount only grows.
     */
    void upsertPayment(Connection c, String paymentIntent, String customerId, String kind,
                       String purchaseId, String topupId, Long amount, String currency,
                       long amountRefunded, Instant now) throws SQLException {
        upsertPayment(c, paymentIntent, customerId, kind, purchaseId, topupId, amount, currency,
                amountRefunded, 0, now);
    }

    void upsertPayment(Connection c, String paymentIntent, String customerId, String kind,
                       String purchaseId, String topupId, Long amount, String currency,
                       long amountRefunded, long amountDisputed, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into stripe_payments"
                + " (payment_intent, customer_id, kind, purchase_id, topup_id, amount, currency,"
                + " amount_refunded, amount_disputed, created_at, updated_at)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (payment_intent) do update"
                + " set customer_id = coalesce(stripe_payments.customer_id, excluded.customer_id),"
                + " kind = coalesce(stripe_payments.kind, excluded.kind),"
                + " purchase_id = coalesce(stripe_payments.purchase_id, excluded.purchase_id),"
                + " topup_id = coalesce(stripe_payments.topup_id, excluded.topup_id),"
                + " amount = coalesce(stripe_payments.amount, excluded.amount),"
                + " currency = coalesce(stripe_payments.currency, excluded.currency),"
                + " amount_refunded = greatest(stripe_payments.amount_refunded,"
                + " excluded.amount_refunded), amount_disputed ="
                + " greatest(stripe_payments.amount_disputed, excluded.amount_disputed),"
                + " updated_at = excluded.updated_at")) {
            ps.setString(1, paymentIntent);
            ps.setString(2, customerId);
            ps.setString(3, kind);
            ps.setString(4, purchaseId);
            ps.setString(5, topupId);
            Jdbc.setLongOrNull(ps, 6, amount == null || amount <= 0 ? null : amount);
            ps.setString(7, currency);
            ps.setLong(8, amountRefunded);
            ps.setLong(9, amountDisputed);
            Jdbc.setInstant(ps, 10, now);
            Jdbc.setInstant(ps, 11, now);
            ps.executeUpdate();
        }
    }

    PaymentRow lockPayment(Connection c, String paymentIntent) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select payment_intent, customer_id, kind,"
                + " purchase_id, topup_id, amount, currency, amount_refunded, amount_disputed,"
                + " refund_applied from stripe_payments where payment_intent = ? for update")) {
            ps.setString(1, paymentIntent);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new PaymentRow(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), Jdbc.getLongOrNull(rs, "amount"),
                        rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getLong(10));
            }
        }
    }

    void setRefundApplied(Connection c, String paymentIntent, long applied, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_payments set"
                + " refund_applied = ?, updated_at = ? where payment_intent = ?")) {
            ps.setLong(1, applied);
            Jdbc.setInstant(ps, 2, now);
            ps.setString(3, paymentIntent);
            ps.executeUpdate();
        }
    }

    // ---- subscriptions

    /** The link's row, locked, created (without a credits subscription) when there is none. */
    SubscriptionLink lockLink(Connection c, String stripeSubscriptionId, String customerId,
                              Instant now) throws SQLException {
        if (customerId != null) {
            try (PreparedStatement ps = c.prepareStatement("insert into stripe_subscriptions"
                    + " (stripe_subscription_id, customer_id, created_at, updated_at)"
                    + " values (?, ?, ?, ?) on conflict do nothing")) {
                ps.setString(1, stripeSubscriptionId);
                ps.setString(2, customerId);
                Jdbc.setInstant(ps, 3, now);
                Jdbc.setInstant(ps, 4, now);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("select stripe_subscription_id,"
                + " customer_id, subscription_id, price_id, status, state_at, plan, started_at"
                + " from stripe_subscriptions where stripe_subscription_id = ? for update")) {
            ps.setString(1, stripeSubscriptionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new SubscriptionLink(rs.getString(1), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getString(5),
                        Jdbc.getInstant(rs, "state_at"), rs.getString(7),
                        Jdbc.getInstant(rs, "started_at")) : null;
            }
        }
    }

    /** The plan and start the credits subscription is (or will be) created with, once. */
    void setLinkChoice(Connection c, String stripeSubscriptionId, String plan, Instant startedAt,
                       Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_subscriptions set"
                + " plan = coalesce(plan, ?), started_at = coalesce(started_at, ?),"
                + " updated_at = ? where stripe_subscription_id = ?")) {
            ps.setString(1, plan);
            Jdbc.setInstant(ps, 2, startedAt);
            Jdbc.setInstant(ps, 3, now);
            ps.setString(4, stripeSubscriptionId);
            ps.executeUpdate();
        }
    }

    void setLinkedSubscription(Connection c, String stripeSubscriptionId, String subscriptionId,
                               Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_subscriptions set"
                + " subscription_id = coalesce(subscription_id, ?), updated_at = ?"
                + " where stripe_subscription_id = ?")) {
            ps.setString(1, subscriptionId);
            Jdbc.setInstant(ps, 2, now);
            ps.setString(3, stripeSubscriptionId);
            ps.executeUpdate();
        }
    }

    void setLinkState(Connection c, String stripeSubscriptionId, String priceId, String status,
                      Instant stateAt, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_subscriptions set"
                + " price_id = coalesce(?, price_id), status = ?,"
                + " state_at = greatest(state_at, ?), updated_at = ?"
                + " where stripe_subscription_id = ?")) {
            ps.setString(1, priceId);
            ps.setString(2, status);
            Jdbc.setInstant(ps, 3, stateAt);
            Jdbc.setInstant(ps, 4, now);
            ps.setString(5, stripeSubscriptionId);
            ps.executeUpdate();
        }
    }

    private static String one(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
