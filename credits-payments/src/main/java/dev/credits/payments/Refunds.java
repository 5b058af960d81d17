package dev.credits.payments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.GrantRecord;
import dev.credits.GrantStatus;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidStateException;
import dev.credits.Money;
import dev.credits.NotFoundException;
import dev.credits.internal.Command;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import dev.credits.payments.PaymentStore.PaymentRow;
import dev.credits.postgres.Jdbc;
import dev.credits.postgres.Outbox;
import dev.credits.webhooks.AutoTopups;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Refunds of payments that bought credits. A refund is decided under the payment's lock from the
 * cumulative amount Stripe says was refunded: each grant of the purchase gives back
 * {@code floor(granted × refunded / paid)} in all, so repeated partial refunds and replays add up
 * exactly to the share refunded. What a grant no longer has (it was spent) is forgiven, or with
 * {@link PaymentsConfig.RefundSpent#DEBT} taken as debt. The decision is recorded with its steps;
 * each step runs through the ledger under a key derived from it, so that running it again after a
 * crash replays what was done and does the rest.
 */
final class Refunds {
    static final String REFUNDED_EVENT = "PurchaseRefunded";
    static final int ATTEMPTS_MAX = 20;
    static final int PENDING_BATCH_MAX = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Step>> STEPS = new TypeReference<>() {
    };

    /**
     * One grant's share of a refund. {@code attempt}: the remaining the take-back is made
     * against (its key names it); {@code taken}: what it took back, once done; {@code debt}: what
     * was taken as debt.
     */
    record Step(String grantId, String creditType, long units, Long attempt, Long taken,
                Long plannedDebt, Long debt) {
        Step withAttempt(Long value) {
            return new Step(grantId, creditType, units, value, taken, plannedDebt, debt);
        }

        Step withTaken(long value) {
            return new Step(grantId, creditType, units, attempt, value, plannedDebt, debt);
        }

        Step withPlannedDebt(long value) {
            return new Step(grantId, creditType, units, attempt, taken, value, debt);
        }

        Step withDebt(long value) {
            return new Step(grantId, creditType, units, attempt, taken, plannedDebt, value);
        }
    }

    private final Credits credits;
    private final AutoTopups topups;
    private final PaymentStore store;
    private final PaymentsConfig config;

    Refunds(Credits credits, AutoTopups topups, PaymentStore store, PaymentsConfig config) {
        this.credits = credits;
        this.topups = topups;
        this.store = store;
        this.config = config;
    }

    /** Decides what is newly refunded of a payment, then completes its pending refunds. */
    String apply(String paymentIntent) {
        // The grants are read before the payment's lock is taken (a top-up's from its own
        // table): no second connection is borrowed while one is held.
        PaymentRow before = store.inTransaction(c -> store.lockPayment(c, paymentIntent));
        List<GrantRecord> grants = before == null || before.kind() == null ? List.of()
                : grantsOf(before);
        String outcome = store.inTransaction(c -> decide(c, paymentIntent, grants));
        for (Long to : store.inTransaction(c -> pendingOf(c, paymentIntent))) {
            complete(paymentIntent, to);
        }
        return outcome;
    }

    /**
     * Decides the refunds of payments refunded more than was applied (a refund whose purchase
     * was recorded while it was being handled); returns how many payments it looked at.
     */
    int applyAllUndecided() {
        List<String> undecided = store.inTransaction(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select payment_intent from"
                    + " stripe_payments where kind is not null and amount is not null"
                    + " and least(amount_refunded + amount_disputed, amount) > refund_applied"
                    + " order by updated_at limit ?")) {
                ps.setInt(1, PENDING_BATCH_MAX);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
        for (String paymentIntent : undecided) {
            try {
                apply(paymentIntent);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Refunds.class).warn("the refund of {} is not"
                        + " decided yet: {}", paymentIntent, e.toString());
            }
        }
        return undecided.size();
    }

    /** Completes every refund a crash or an outage left pending; returns how many. */
    int completeAllPending() {
        int done = 0;
        for (Map.Entry<String, Long> pending : store.inTransaction(this::allPending)) {
            try {
                complete(pending.getKey(), pending.getValue());
                done++;
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Refunds.class).warn("the refund of {} is still"
                        + " pending: {}", pending.getKey(), e.toString());
            }
        }
        return done;
    }

    private String decide(Connection c, String paymentIntent, List<GrantRecord> grants)
            throws SQLException {
        PaymentRow row = store.lockPayment(c, paymentIntent);
        if (row == null || row.kind() == null) {
            return "refund recorded; it is applied when its purchase arrives";
        }
        if (grants.isEmpty()) {
            // Its purchase was recorded a moment ago, after the grants were read: the next
            // event of the payment, or the background, decides it.
            return "refund recorded; it is applied when its purchase's grants are read";
        }
        if (row.amount() == null) {
            return "the payment's amount is unknown; nothing to refund in proportion";
        }
        long to = row.returned();
        long from = row.refundApplied();
        if (to <= from) {
            return "nothing newly refunded";
        }
        List<Step> steps = new ArrayList<>();
        for (GrantRecord grant : grants) {
            long granted = grant.amount().units();
            long units = share(granted, to, row.amount()) - share(granted, from, row.amount());
            if (units > 0) {
                steps.add(new Step(grant.id(), grant.creditType(), units, null, null, null,
                        null));
            }
        }
        Instant now = credits.now();
        try (PreparedStatement ps = c.prepareStatement("insert into stripe_refunds"
                + " (payment_intent, refunded_to, refunded_from, customer_id, steps, created_at)"
                + " values (?, ?, ?, ?, ?::jsonb, ?)")) {
            ps.setString(1, paymentIntent);
            ps.setLong(2, to);
            ps.setLong(3, from);
            ps.setString(4, row.customerId());
            ps.setString(5, write(steps));
            Jdbc.setInstant(ps, 6, now);
            ps.executeUpdate();
        }
        store.setRefundApplied(c, paymentIntent, to, now);
        return "refunded " + (to - from) + " of " + row.amount() + " " + row.currency()
                + " minor units";
    }

    /** {@code floor(granted × part / whole)}, exactly. */
    static long share(long granted, long part, long whole) {
        return BigInteger.valueOf(granted).multiply(BigInteger.valueOf(part))
                .divide(BigInteger.valueOf(whole)).longValueExact();
    }

    /** The grants the payment bought, in the order they were made. */
    private List<GrantRecord> grantsOf(PaymentRow row) {
        List<GrantRecord> grants = new ArrayList<>();
        if ("topup".equals(row.kind())) {
            String grantId = topups.topup(row.topupId()).grantId();
            if (grantId != null) {
                grants.add(credits.grant(grantId));
            }
            return grants;
        }
        for (GrantRecord grant : credits.grants(row.customerId(), null, true)) {
            if (row.purchaseId().equals(grant.metadata().get("purchase_id"))) {
                grants.add(grant);
            }
        }
        grants.sort(Comparator.comparing(GrantRecord::id));
        return grants;
    }

    private void complete(String paymentIntent, long to) {
        List<Step> steps = store.inTransaction(c -> lockSteps(c, paymentIntent, to));
        if (steps == null) {
            return; // completed by someone else meanwhile
        }
        for (int i = 0; i < steps.size(); i++) {
            takeBack(paymentIntent, to, i);
        }
        Instant now = credits.now();
        store.inTransaction(c -> {
            List<Step> done = lockSteps(c, paymentIntent, to);
            if (done == null) {
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement("update stripe_refunds set"
                    + " completed_at = ? where payment_intent = ? and refunded_to = ?")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setString(2, paymentIntent);
                ps.setLong(3, to);
                ps.executeUpdate();
            }
            appendEvent(c, paymentIntent, to, done, now);
            return null;
        });
    }

    /** Takes back step {@code i}'s share (what the grant still has of it), then any debt. */
    private void takeBack(String paymentIntent, long to, int i) {
        String reason = "refund of payment " + paymentIntent;
        for (int attempt = 1; ; attempt++) {
            Step step = store.inTransaction(c -> {
                List<Step> steps = lockSteps(c, paymentIntent, to);
                Step s = steps == null ? null : steps.get(i);
                if (s != null && s.taken() == null && s.attempt() == null) {
                    s = s.withAttempt(remaining(s.grantId()));
                    save(c, paymentIntent, to, steps, i, s);
                }
                return s;
            });
            if (step == null || step.taken() != null) {
                break;
            }
            long take = Math.min(step.units(), step.attempt());
            try {
                if (take > 0) {
                    credits.run(new Command.VoidGrant(step.grantId(), reason, key(paymentIntent,
                            to, i, "take:" + step.attempt()), step.attempt(), take));
                }
                record(paymentIntent, to, i, s -> s.withTaken(take));
                break;
            } catch (InvalidStateException e) {
                // The grant changed between reading its remaining and taking from it: read again.
                long tried = step.attempt();
                record(paymentIntent, to, i, s -> s.attempt() != null && s.attempt() == tried
                        && s.taken() == null ? s.withAttempt(null) : s);
                if (attempt >= ATTEMPTS_MAX) {
                    throw new InvalidStateException("grant " + step.grantId()
                            + " keeps changing; the refund of " + paymentIntent
                            + " is completed later");
                }
            }
        }
        if (config.refundSpent() != PaymentsConfig.RefundSpent.DEBT) {
            record(paymentIntent, to, i, s -> s.debt() == null ? s.withDebt(0) : s);
            return;
        }
        // The debt is decided once (and recorded) before it is taken, so that taking it again
        // after a crash replays the same adjustment: at most what the grant lost to use, less the
        // debt earlier refunds of this payment took for it. Expired or voided credits are no debt.
        String customerId = customerOf(paymentIntent);
        Step step = store.inTransaction(c -> {
            store.lockPayment(c, paymentIntent); // one debt decision of a payment at a time
            List<Step> steps = lockSteps(c, paymentIntent, to);
            Step s = steps == null ? null : steps.get(i);
            if (s != null && s.taken() != null && s.debt() == null && s.plannedDebt() == null) {
                long shortfall = s.units() - s.taken();
                long debt = shortfall <= 0 ? 0 : Math.min(shortfall, Math.max(0,
                        usedUnits(c, customerId, s.grantId())
                                - debtTaken(c, paymentIntent, s.grantId())));
                s = s.withPlannedDebt(debt);
                save(c, paymentIntent, to, steps, i, s);
            }
            return s;
        });
        if (step == null || step.taken() == null || step.debt() != null) {
            return;
        }
        long debt = step.plannedDebt();
        if (debt > 0) {
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("payment_reference", paymentIntent);
            metadata.put("grant_id", step.grantId());
            credits.run(new Command.Adjust(new WalletKey(customerId, step.creditType()), -debt,
                    reason + ": credits already spent", Json.metadata(metadata),
                    key(paymentIntent, to, i, "debt")));
        }
        record(paymentIntent, to, i, s -> s.withDebt(debt));
    }

    /** What a grant lost to use: its amount less what remains, expired and was voided. */
    private static long usedUnits(Connection c, String customerId, String grantId)
            throws SQLException {
        // As stored (a grant past its expiry that the sweep has not retired yet still holds its
        // remaining there, which is not use), on the same connection as the journal's sum.
        long amount;
        long remaining;
        try (PreparedStatement ps = c.prepareStatement("select amount, remaining from grants"
                + " where customer_id = ? and id = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, grantId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                amount = rs.getLong(1);
                remaining = rs.getLong(2);
            }
        }
        long gone;
        try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(-amount), 0)"
                + " from transactions where customer_id = ? and grant_id = ?"
                + " and type in ('expiry', 'void')")) {
            ps.setString(1, customerId);
            ps.setString(2, grantId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                gone = rs.getLong(1);
            }
        }
        return amount - remaining - gone;
    }

    /** The debt refunds of this payment took (or decided) for a grant before. */
    private static long debtTaken(Connection c, String paymentIntent, String grantId)
            throws SQLException {
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("select steps::text from stripe_refunds"
                + " where payment_intent = ?")) {
            ps.setString(1, paymentIntent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (Step s : read(rs.getString(1))) {
                        if (s.grantId().equals(grantId) && s.plannedDebt() != null) {
                            total += s.plannedDebt();
                        }
                    }
                }
            }
        }
        return total;
    }

    private String customerOf(String paymentIntent) {
        return store.inTransaction(c -> store.lockPayment(c, paymentIntent)).customerId();
    }

    /** What an active grant has left; 0 for one that is spent, expired or voided. */
    private long remaining(String grantId) {
        try {
            GrantRecord grant = credits.grant(grantId);
            return grant.status() == GrantStatus.ACTIVE ? grant.remaining().units() : 0;
        } catch (NotFoundException e) {
            return 0;
        }
    }

    private void record(String paymentIntent, long to, int i,
                        java.util.function.UnaryOperator<Step> change) {
        store.inTransaction(c -> {
            List<Step> steps = lockSteps(c, paymentIntent, to);
            if (steps != null) {
                save(c, paymentIntent, to, steps, i, change.apply(steps.get(i)));
            }
            return null;
        });
    }

    private static String key(String paymentIntent, long to, int i, String what) {
        return IdempotencyKeys.derived("refund:" + paymentIntent + ":" + to + ":" + i + ":"
                + what);
    }

    /** The refund's steps, its row locked; null when it is completed. */
    private static List<Step> lockSteps(Connection c, String paymentIntent, long to)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select steps::text from stripe_refunds"
                + " where payment_intent = ? and refunded_to = ? and completed_at is null"
                + " for update")) {
            ps.setString(1, paymentIntent);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? read(rs.getString(1)) : null;
            }
        }
    }

    private static void save(Connection c, String paymentIntent, long to, List<Step> steps,
                             int i, Step step) throws SQLException {
        List<Step> changed = new ArrayList<>(steps);
        changed.set(i, step);
        try (PreparedStatement ps = c.prepareStatement("update stripe_refunds set steps ="
                + " ?::jsonb where payment_intent = ? and refunded_to = ?")) {
            ps.setString(1, write(changed));
            ps.setString(2, paymentIntent);
            ps.setLong(3, to);
            ps.executeUpdate();
        }
    }

    private static List<Long> pendingOf(Connection c, String paymentIntent) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select refunded_to from stripe_refunds"
                + " where payment_intent = ? and completed_at is null order by refunded_to")) {
            ps.setString(1, paymentIntent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    private List<Map.Entry<String, Long>> allPending(Connection c) throws SQLException {
        List<Map.Entry<String, Long>> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select payment_intent, refunded_to"
                + " from stripe_refunds where completed_at is null order by created_at limit ?")) {
            ps.setInt(1, PENDING_BATCH_MAX);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Map.entry(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return out;
    }

    private void appendEvent(Connection c, String paymentIntent, long to, List<Step> steps,
                             Instant now) throws SQLException {
        PaymentRow row = store.lockPayment(c, paymentIntent);
        long from;
        try (PreparedStatement ps = c.prepareStatement("select refunded_from from stripe_refunds"
                + " where payment_intent = ? and refunded_to = ?")) {
            ps.setString(1, paymentIntent);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                from = rs.getLong(1);
            }
        }
        List<Map<String, Object>> credited = new ArrayList<>();
        for (Step step : steps) {
            CreditType type = credits.creditTypes().require(step.creditType());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("grant_id", step.grantId());
            m.put("credit_type", step.creditType());
            m.put("refunded", type.amount(step.units()).toString());
            m.put("taken_back", type.amount(step.taken() == null ? 0 : step.taken()).toString());
            m.put("debt", type.amount(step.debt() == null ? 0 : step.debt()).toString());
            credited.add(m);
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("payment_reference", paymentIntent);
        event.put("purchase_id", row.purchaseId());
        event.put("topup_id", row.topupId());
        event.put("currency", row.currency());
        event.put("amount_refunded", row.currency() == null ? String.valueOf(to - from)
                : new Money(to - from, row.currency()).toString());
        event.put("total_refunded", row.currency() == null ? String.valueOf(to)
                : new Money(to, row.currency()).toString());
        event.put("credits", credited);
        Outbox.append(c, row.customerId(), "", REFUNDED_EVENT, event, now);
    }

    private static String write(List<Step> steps) {
        try {
            return JSON.writeValueAsString(steps);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Step> read(String json) {
        try {
            return JSON.readValue(json, STEPS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored refund steps are not readable", e);
        }
    }
}
