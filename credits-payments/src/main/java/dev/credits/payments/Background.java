package dev.credits.payments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.PaymentIntentCreateParams;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.InvalidStateException;
import dev.credits.Money;
import dev.credits.postgres.Jdbc;
import dev.credits.webhooks.AutoTopups;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payments work that does not run inline with a webhook: calls to Stripe (an auto top-up's
 * off-session payment, a debt's invoice item), each under a Stripe idempotency key, retried with
 * backoff; and events or refunds a crash left unfinished. Safe in several processes at once:
 * rows are claimed with {@code for update skip locked}, and every call is idempotent at Stripe.
 */
final class Background {
    static final int BATCH_MAX = 50;
    /** An event received this long ago and still unhandled was left by a crash or an outage. */
    static final Duration UNHANDLED_AFTER = Duration.ofSeconds(30);
    static final int ATTEMPTS_MAX = 8;
    /** How long a claimed row is left to the process that claimed it. */
    static final Duration CLAIM = Duration.ofSeconds(60);
    /** The longest failure reason given to a top-up (its own limit, with room to spare). */
    static final int REASON_LENGTH_MAX = AutoTopups.TEXT_LENGTH_MAX - 100;
    /** Stripe keeps an idempotency key 24 hours; calls are retried with it within 23. */
    static final Duration STRIPE_KEY_LIFETIME = Duration.ofHours(23);
    static final int UNHANDLED_ATTEMPTS_MAX = 20;
    private static final Logger LOG = LoggerFactory.getLogger(Background.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Credits credits;
    private final AutoTopups topups;
    private final PaymentStore store;
    private final StripeApi stripe;
    private final Handler events;
    private final StripeEvents settler;
    private final Refunds refunds;
    private final PaymentsConfig config;
    private final DataSource dataSource;

    /** Handles a recorded event (what the receiver does). */
    interface Handler {
        String handle(String id, String type, Instant created, JsonNode event);
    }

    Background(Credits credits, AutoTopups topups, PaymentStore store, StripeApi stripe,
               Handler events, StripeEvents settler, Refunds refunds, PaymentsConfig config,
               DataSource dataSource) {
        this.settler = settler;
        this.credits = credits;
        this.topups = topups;
        this.store = store;
        this.stripe = stripe;
        this.events = events;
        this.refunds = refunds;
        this.config = config;
        this.dataSource = dataSource;
    }

    /**
     * Runs each kind of work once; a failure of one kind (the database away, say) is logged and
     * does not stop the others. Returns how many items were worked on.
     */
    int runDue() {
        int done = 0;
        done += stage("unhandled events", this::unhandledEvents);
        done += stage("undecided refunds", refunds::applyAllUndecided);
        done += stage("pending refunds", refunds::completeAllPending);
        done += stage("debt settlements", () -> settler.settleDebts(null));
        done += stage("auto top-up payments", this::topupPayments);
        done += stage("top-up refunds", this::topupRefunds);
        done += stage("debt invoice items", this::debtCharges);
        return done;
    }

    private static int stage(String name, java.util.function.IntSupplier work) {
        try {
            return work.getAsInt();
        } catch (RuntimeException e) {
            LOG.warn("payments background work ({}) failed; it runs again: {}", name,
                    e.toString());
            return 0;
        }
    }

    // ---- events left unhandled

    private int unhandledEvents() {
        Instant before = Instant.now().minus(UNHANDLED_AFTER);
        List<String[]> rows = Jdbc.inTransaction(dataSource, c -> {
            List<String[]> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select id, type, payload,"
                    + " extract(epoch from created)::bigint from stripe_events"
                    + " where handled_at is null and received_at < ? and attempts < ?"
                    + " order by received_at limit ?")) {
                Jdbc.setInstant(ps, 1, before);
                ps.setInt(2, UNHANDLED_ATTEMPTS_MAX);
                ps.setInt(3, BATCH_MAX);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
                                rs.getString(4)});
                    }
                }
            }
            return out;
        });
        int done = 0;
        for (String[] row : rows) {
            try {
                JsonNode event = JSON.readTree(row[2]);
                events.handle(row[0], row[1],
                        Instant.ofEpochSecond(Long.parseLong(row[3])), event);
                done++;
            } catch (IOException | RuntimeException e) {
                LOG.warn("Stripe event {} is still unhandled: {}", row[0], e.toString());
            }
        }
        return done;
    }

    // ---- auto top-up payments

    private int topupPayments() {
        Instant now = Instant.now();
        List<String> gaveUp = new ArrayList<>();
        List<String[]> due = Jdbc.inTransaction(dataSource, c -> {
            // New requests get their payment row first.
            try (PreparedStatement ps = c.prepareStatement("insert into stripe_topup_payments"
                    + " (topup_id, customer_id, status, next_attempt_at, created_at)"
                    + " select t.id, t.customer_id, 'pending', ?, ? from topups t"
                    + " where t.status = 'requested' and not exists (select 1 from"
                    + " stripe_topup_payments p where p.topup_id = t.id) limit ?"
                    + " on conflict do nothing")) {
                Jdbc.setInstant(ps, 1, now);
                Jdbc.setInstant(ps, 2, now);
                ps.setInt(3, BATCH_MAX);
                ps.executeUpdate();
            }
            // Past Stripe's idempotency window, a retry could pay twice: the top-up fails
            // instead (a payment that did go through is refunded when Stripe reports it).
            List<String> expired = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("update stripe_topup_payments set"
                    + " status = 'skipped', last_error = coalesce(last_error, '')"
                    + " || ' (gave up after 23 hours)' where status = 'pending'"
                    + " and created_at <= ? returning topup_id")) {
                Jdbc.setInstant(ps, 1, now.minus(STRIPE_KEY_LIFETIME));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        expired.add(rs.getString(1));
                    }
                }
            }
            gaveUp.addAll(expired);
            return claim(c, "select topup_id, customer_id, attempts from"
                    + " stripe_topup_payments where status = 'pending' and next_attempt_at <= ?"
                    + " and created_at > ? order by next_attempt_at limit ? for update skip"
                    + " locked", now, now.minus(STRIPE_KEY_LIFETIME), BATCH_MAX);
        });
        for (String topupId : gaveUp) {
            failTopup(topupId, "the payment provider could not be reached for 23 hours");
        }
        for (String[] row : due) {
            int attempts = Integer.parseInt(row[2]);
            try {
                payTopup(row[0], row[1], attempts);
            } catch (RuntimeException e) {
                LOG.warn("auto top-up {} is not paid yet (attempt {}): {}", row[0], attempts + 1,
                        e.toString());
                Jdbc.inTransaction(dataSource, c -> {
                    schedule(c, row[0], Instant.now().plus(backoff(attempts + 1)), e.toString(),
                            true);
                    return null;
                });
            }
        }
        return due.size();
    }

    private void payTopup(String topupId, String customerId, int attempts) {
        AutoTopups.Topup topup = topups.topup(topupId);
        if (!"requested".equals(topup.status())) {
            finish(topupId, "skipped", null, "the top-up is " + topup.status());
            return;
        }
        Money unitPrice = config.unitPrices().get(topup.creditType());
        if (unitPrice == null) {
            finish(topupId, "skipped", null, "credit type " + topup.creditType()
                    + " has no unit_price; the application completes it");
            return;
        }
        String stripeCustomer = store.inTransaction(c -> store.stripeCustomer(c, customerId));
        if (stripeCustomer == null) {
            finish(topupId, "skipped", null, "the customer has no Stripe customer");
            return;
        }
        CreditType type = credits.creditTypes().require(topup.creditType());
        Money price = unitPrice.times(topup.amount().units(), type.scale());
        try {
            String method = Jdbc.inTransaction(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("select payment_method from"
                        + " stripe_topup_payments where topup_id = ?")) {
                    ps.setString(1, topupId);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getString(1) : null;
                    }
                }
            });
            if (method == null) {
                // Chosen once: a retry must send Stripe the same request under the same key.
                String chosen = stripe.defaultPaymentMethod(stripeCustomer);
                if (chosen == null) {
                    finish(topupId, "skipped", null, "the customer has no saved payment method");
                    return;
                }
                method = Jdbc.inTransaction(dataSource, c -> {
                    try (PreparedStatement ps = c.prepareStatement("update"
                            + " stripe_topup_payments set payment_method = coalesce("
                            + "payment_method, ?) where topup_id = ? returning payment_method")) {
                        ps.setString(1, chosen);
                        ps.setString(2, topupId);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? rs.getString(1) : chosen;
                        }
                    }
                });
            }
            PaymentIntentCreateParams params = PaymentIntentCreateParams.builder()
                    .setAmount(price.minor())
                    .setCurrency(price.currency())
                    .setCustomer(stripeCustomer)
                    .setPaymentMethod(method)
                    .setOffSession(true)
                    .setConfirm(true)
                    .setDescription("auto top-up " + topupId + ": " + topup.amount() + " "
                            + type.id())
                    .putMetadata(Payments.META_CUSTOMER, customerId)
                    .putMetadata(Payments.META_TOPUP, topupId)
                    .build();
            Map.Entry<String, String> intent = stripe.chargeOffSession(params, "topup:" + topupId);
            finish(topupId, "created", intent.getKey(), null);
            if ("succeeded".equals(intent.getValue())) {
                topups.complete(topupId, intent.getKey(), settler.topupCost(topupId));
            }
        } catch (StripeApi.Declined e) {
            failTopup(topupId, "payment declined: " + e.getMessage());
            finish(topupId, "created", null, e.getMessage());
        } catch (PaymentProviderException e) {
            if (StripeApi.isPermanent(e)) {
                // Stripe refused the request itself (an amount below its minimum, say).
                failTopup(topupId, "the payment was refused: " + e.getMessage());
                finish(topupId, "created", null, e.getMessage());
            } else {
                // Unreachable, or a timeout after which the payment may exist: the same key
                // again, within Stripe's 24 hours, answers the first payment, never a second.
                Jdbc.inTransaction(dataSource, c -> {
                    schedule(c, topupId, Instant.now().plus(backoff(attempts + 1)),
                            e.getMessage(), true);
                    return null;
                });
            }
        }
    }

    private void failTopup(String topupId, String reason) {
        try {
            topups.fail(topupId, reason.length() > REASON_LENGTH_MAX
                    ? reason.substring(0, REASON_LENGTH_MAX) : reason);
        } catch (InvalidStateException e) {
            LOG.debug("top-up {} no longer waits: {}", topupId, e.getMessage());
        }
    }

    /** Refunds the payments of top-ups that were paid after they had failed or lapsed. */
    private int topupRefunds() {
        Instant now = Instant.now();
        List<String[]> due = Jdbc.inTransaction(dataSource, c -> {
            return claim(c, "select topup_id, payment_intent, attempts from"
                    + " stripe_topup_payments where status = 'refunding' and next_attempt_at <= ?"
                    + " and attempts < ? order by next_attempt_at limit ? for update skip locked",
                    now, ATTEMPTS_MAX * 4, BATCH_MAX);
        });
        for (String[] row : due) {
            try {
                String refund = stripe.refund(row[1], "refund-topup:" + row[0]);
                finish(row[0], "refunded", null, "refunded by " + refund);
            } catch (PaymentProviderException e) {
                if (e.getCause() instanceof com.stripe.exception.StripeException se
                        && "charge_already_refunded".equals(se.getCode())) {
                    finish(row[0], "refunded", null, "refunded before");
                    continue;
                }
                int attempts = Integer.parseInt(row[2]);
                LOG.warn("the payment {} of failed top-up {} is not refunded yet: {}", row[1],
                        row[0], e.getMessage());
                Jdbc.inTransaction(dataSource, c -> {
                    schedule(c, row[0], Instant.now().plus(backoff(attempts + 1)),
                            e.getMessage(), true);
                    return null;
                });
            }
        }
        return due.size();
    }

    private void finish(String topupId, String status, String paymentIntent, String note) {
        Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("update stripe_topup_payments set"
                    + " status = ?, payment_intent = coalesce(?, payment_intent),"
                    + " last_error = ?, attempts = attempts + 1 where topup_id = ?"
                    + " and (status not in ('refunding', 'refunded') or ? = 'refunded')")) {
                ps.setString(1, status);
                ps.setString(2, paymentIntent);
                ps.setString(3, note);
                ps.setString(4, topupId);
                ps.setString(5, status);
                ps.executeUpdate();
            }
            return null;
        });
        if (note != null && !"created".equals(status)) {
            LOG.info("auto top-up {} is left to the application: {}", topupId, note);
        }
    }

    /**
     * Claims the top-up payment rows {@code sql} selects ({@code topup_id}, a second text column,
     * {@code attempts}) for a minute, so that another process skips them meanwhile.
     */
    private static List<String[]> claim(java.sql.Connection c, String sql, Instant now,
                                        Object second, int limit) throws java.sql.SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Jdbc.setInstant(ps, 1, now);
            if (second instanceof Instant at) {
                Jdbc.setInstant(ps, 2, at);
            } else {
                ps.setInt(2, (Integer) second);
            }
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new String[] {rs.getString(1), rs.getString(2),
                            String.valueOf(rs.getInt(3))});
                }
            }
        }
        for (String[] row : out) {
            schedule(c, row[0], now.plus(CLAIM), null, false);
        }
        return out;
    }

    private static void schedule(java.sql.Connection c, String topupId, Instant next,
                                 String error, boolean counts) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_topup_payments set"
                + " next_attempt_at = ?, last_error = coalesce(?, last_error),"
                + " attempts = attempts + ? where topup_id = ?")) {
            Jdbc.setInstant(ps, 1, next);
            ps.setString(2, error);
            ps.setInt(3, counts ? 1 : 0);
            ps.setString(4, topupId);
            ps.executeUpdate();
        }
    }

    // ---- debt invoice items

    private int debtCharges() {
        Instant now = Instant.now();
        List<Object[]> due = Jdbc.inTransaction(dataSource, c -> {
            List<Object[]> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select stripe_subscription_id,"
                    + " period_start, credit_type, customer_id, debt_units, amount, currency,"
                    + " attempts from stripe_debt_charges where invoice_item_id is null"
                    + " and next_attempt_at <= ? and attempts < ? order by next_attempt_at"
                    + " limit ? for update skip locked")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setInt(2, ATTEMPTS_MAX);
                ps.setInt(3, BATCH_MAX);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Object[] {rs.getString(1), Jdbc.getInstant(rs, 2),
                                rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                                rs.getString(7), rs.getInt(8)});
                    }
                }
            }
            for (Object[] row : out) {
                updateDebt(c, row, now.plus(CLAIM), null, false, null);
            }
            return out;
        });
        for (Object[] row : due) {
            try {
                chargeDebt(row);
            } catch (RuntimeException e) {
                LOG.warn("debt charge of {} is not made yet: {}", row[3], e.toString());
            }
        }
        return due.size();
    }

    private void chargeDebt(Object[] row) {
        String stripeSubscription = (String) row[0];
        Instant periodStart = (Instant) row[1];
        String creditType = (String) row[2];
        String customerId = (String) row[3];
        long debtUnits = (long) row[4];
        long amount = (long) row[5];
        String currency = (String) row[6];
        int attempts = (int) row[7];
        String stripeCustomer = store.inTransaction(c -> store.stripeCustomer(c, customerId));
        try {
            if (stripeCustomer == null) {
                throw new PaymentProviderException("the customer has no Stripe customer", null);
            }
            CreditType type = credits.creditTypes().require(creditType);
            InvoiceItemCreateParams params = InvoiceItemCreateParams.builder()
                    .setCustomer(stripeCustomer)
                    .setSubscription(stripeSubscription)
                    .setAmount(amount)
                    .setCurrency(currency)
                    .setDescription("Negative balance at renewal: " + type.amount(debtUnits)
                            + " " + type.name())
                    .putMetadata(Payments.META_CUSTOMER, customerId)
                    .putMetadata("credits_credit_type", creditType)
                    .putMetadata("credits_debt", type.amount(debtUnits).toString())
                    .build();
            String item = stripe.createInvoiceItem(params, "debt:" + stripeSubscription + ":"
                    + periodStart.getEpochSecond() + ":" + creditType);
            Jdbc.inTransaction(dataSource, c -> {
                updateDebt(c, row, Instant.now(), null, true, item);
                return null;
            });
            settler.settleDebts(customerId); // Stripe has it: the ledger's debt is paid
        } catch (PaymentProviderException e) {
            if (StripeApi.isPermanent(e) || attempts + 1 >= ATTEMPTS_MAX) {
                LOG.error("debt of {} {} at the renewal of {} could not be charged and stays in"
                        + " the wallet: {}", customerId, creditType, stripeSubscription,
                        e.getMessage());
                Jdbc.inTransaction(dataSource, c -> {
                    updateDebt(c, row, Instant.now(), e.getMessage(), true, null);
                    try (PreparedStatement ps = c.prepareStatement("update stripe_debt_charges"
                            + " set attempts = ? where stripe_subscription_id = ?"
                            + " and period_start = ? and credit_type = ?")) {
                        ps.setInt(1, ATTEMPTS_MAX);
                        ps.setString(2, stripeSubscription);
                        Jdbc.setInstant(ps, 3, periodStart);
                        ps.setString(4, creditType);
                        ps.executeUpdate();
                    }
                    return null;
                });
                return;
            }
            LOG.warn("debt of {} {} at the renewal of {} is not charged yet (attempt {}): {}",
                    customerId, creditType, stripeSubscription, attempts + 1, e.getMessage());
            Jdbc.inTransaction(dataSource, c -> {
                updateDebt(c, row, Instant.now().plus(backoff(attempts + 1)), e.getMessage(),
                        true, null);
                return null;
            });
        }
    }

    private static void updateDebt(java.sql.Connection c, Object[] row, Instant next,
                                   String error, boolean counts, String item)
            throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("update stripe_debt_charges set"
                + " next_attempt_at = ?, last_error = coalesce(?, last_error),"
                + " attempts = attempts + ?, invoice_item_id = coalesce(?, invoice_item_id)"
                + " where stripe_subscription_id = ? and period_start = ? and credit_type = ?")) {
            Jdbc.setInstant(ps, 1, next);
            ps.setString(2, error);
            ps.setInt(3, counts ? 1 : 0);
            ps.setString(4, item);
            ps.setString(5, (String) row[0]);
            Jdbc.setInstant(ps, 6, (Instant) row[1]);
            ps.setString(7, (String) row[2]);
            ps.executeUpdate();
        }
    }

    /** 10 s, 20 s, 40 s, … up to an hour: within Stripe's 24 hours of idempotency. */
    static Duration backoff(int attempt) {
        long seconds = Math.min(3_600, 10L << Math.min(attempt - 1, 20));
        return Duration.ofSeconds(seconds);
    }
}
