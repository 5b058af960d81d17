package dev.credits.plans;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.postgres.Jdbc;
import dev.credits.postgres.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Storage of subscriptions, their periods, purchases and plan events (V3__subscriptions.sql).
 * Reads the ledger's {@code grants} and {@code transactions} tables, never writes them: every
 * credit moves through {@link dev.credits.Credits}.
 */
final class SubscriptionStore {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Map<String, Object>>> GRANT_LIST =
            new TypeReference<>() {
            };
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };
    private static final String SUBSCRIPTION_COLUMNS = "customer_id, id, plan, pending_plan,"
            + " status, started_at, period_start, period_end, cancel_at, idempotency_key";

    /** Work inside one database transaction. */
    interface Work<T> extends Jdbc.Work<T> {
    }

    private final DataSource dataSource;

    SubscriptionStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    <T> T inTransaction(Work<T> work) {
        return Jdbc.inTransaction(dataSource, work);
    }

    <T> T read(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    static RuntimeException translate(SQLException e) {
        return Jdbc.translate(e);
    }

    // ---- subscriptions

    /**
     * The condition on a subscription row that its next period is paid for: always when it is
     * not billed elsewhere (no paid_through), else when the next period starts a day or more
     * before the end of what was paid (a day absorbs a payment provider's own period anchors).
     */
    static final String PAID = "(paid_through is null or period_end <= paid_through"
            + " - interval '1 day')";

    /** Extends what a subscription billed elsewhere is paid through (never shortens it). */
    boolean payThrough(Connection c, String id, Instant paidThrough, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update subscriptions set paid_through"
                + " = greatest(paid_through, ?), updated_at = ? where id = ?")) {
            Jdbc.setInstant(ps, 1, paidThrough);
            Jdbc.setInstant(ps, 2, now);
            ps.setString(3, id);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Whether the period starting at {@code start} is paid for: always when the subscription is
     * not billed elsewhere, else when it starts a day or more before the end of what was paid.
     */
    boolean paidFor(Connection c, String id, Instant start) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select paid_through is null"
                + " or ? <= paid_through - interval '1 day' from subscriptions where id = ?")) {
            Jdbc.setInstant(ps, 1, start);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Inserts; false when the customer already used {@code idempotencyKey}. */
    boolean insertSubscription(Connection c, SubscriptionRow row, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into subscriptions ("
                + SUBSCRIPTION_COLUMNS + ", created_at, updated_at)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " on conflict (customer_id, idempotency_key) where idempotency_key is not null"
                + " do nothing")) {
            setSubscription(ps, row);
            Jdbc.setInstant(ps, 11, now);
            Jdbc.setInstant(ps, 12, now);
            return ps.executeUpdate() == 1;
        }
    }

    void updateSubscription(Connection c, SubscriptionRow row, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update subscriptions set plan = ?,"
                + " pending_plan = ?, status = ?, period_start = ?, period_end = ?,"
                + " cancel_at = ?, updated_at = ? where customer_id = ? and id = ?")) {
            ps.setString(1, row.plan());
            ps.setString(2, row.pendingPlan());
            ps.setString(3, row.status());
            Jdbc.setInstant(ps, 4, row.periodStart());
            Jdbc.setInstant(ps, 5, row.periodEnd());
            Jdbc.setInstant(ps, 6, row.cancelAt());
            Jdbc.setInstant(ps, 7, now);
            ps.setString(8, row.customerId());
            ps.setString(9, row.id());
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("subscription " + row.id() + " vanished");
            }
        }
    }

    private static void setSubscription(PreparedStatement ps, SubscriptionRow row)
            throws SQLException {
        ps.setString(1, row.customerId());
        ps.setString(2, row.id());
        ps.setString(3, row.plan());
        ps.setString(4, row.pendingPlan());
        ps.setString(5, row.status());
        Jdbc.setInstant(ps, 6, row.startedAt());
        Jdbc.setInstant(ps, 7, row.periodStart());
        Jdbc.setInstant(ps, 8, row.periodEnd());
        Jdbc.setInstant(ps, 9, row.cancelAt());
        ps.setString(10, row.idempotencyKey());
    }

    /** The subscription with this id, locked for the rest of the transaction; null if none. */
    SubscriptionRow lock(Connection c, String id) throws SQLException {
        return one(c, "select " + SUBSCRIPTION_COLUMNS + " from subscriptions where id = ?"
                + " for update", id);
    }

    SubscriptionRow find(Connection c, String id) throws SQLException {
        return one(c, "select " + SUBSCRIPTION_COLUMNS + " from subscriptions where id = ?", id);
    }

    SubscriptionRow findByKey(Connection c, String customerId, String key) throws SQLException {
        List<SubscriptionRow> rows = many(c, "select " + SUBSCRIPTION_COLUMNS
                + " from subscriptions where customer_id = ? and idempotency_key = ?",
                customerId, key);
        return rows.isEmpty() ? null : rows.get(0);
    }

    List<SubscriptionRow> list(Connection c, String customerId) throws SQLException {
        return many(c, "select " + SUBSCRIPTION_COLUMNS + " from subscriptions"
                + " where customer_id = ? order by created_at, id", customerId);
    }

    /** Ids of active subscriptions whose allowance period has ended by {@code now}. */
    List<String> due(Connection c, Instant now, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id from subscriptions"
                + " where status = 'active' and period_end <= ? and ((" + PAID
                + " and (paid_through is null or paid_through > ?)) or cancel_at <= ?)"
                + " order by period_end limit ?")) {
            // A subscription paid through a time already past has nothing paid to renew into:
            // it is not due until its next invoice is paid (else it would be picked every pass).
            Jdbc.setInstant(ps, 1, now);
            Jdbc.setInstant(ps, 2, now);
            Jdbc.setInstant(ps, 3, now);
            ps.setInt(4, limit);
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        }
    }

    private SubscriptionRow one(Connection c, String sql, String id) throws SQLException {
        List<SubscriptionRow> rows = many(c, sql, id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private List<SubscriptionRow> many(Connection c, String sql, String... args)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<SubscriptionRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new SubscriptionRow(rs.getString(1), rs.getString(2),
                            rs.getString(3), rs.getString(4), rs.getString(5),
                            Jdbc.getInstant(rs, 6), Jdbc.getInstant(rs, 7), Jdbc.getInstant(rs, 8),
                            Jdbc.getInstant(rs, 9), rs.getString(10)));
                }
            }
            return rows;
        }
    }

    // ---- periods

    /** Inserts the period; false when it exists already (the unique key decides, not a read). */
    boolean insertPeriod(Connection c, SubscriptionRow sub, Periods.Span span, String plan,
                         List<PlannedGrant> grants, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into subscription_periods"
                + " (customer_id, subscription_id, period_start, period_end, plan, grants,"
                + " created_at) values (?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing")) {
            ps.setString(1, sub.customerId());
            ps.setString(2, sub.id());
            Jdbc.setInstant(ps, 3, span.start());
            Jdbc.setInstant(ps, 4, span.end());
            ps.setString(5, plan);
            ps.setString(6, writeGrants(grants));
            Jdbc.setInstant(ps, 7, now);
            return ps.executeUpdate() == 1;
        }
    }

    /** A stored period's planned grants, whether they are all made, and its start. */
    record PeriodRow(String customerId, String subscriptionId, Instant start,
                     List<PlannedGrant> grants, boolean granted) {
    }

    PeriodRow findPeriod(Connection c, String customerId, String subscriptionId, Instant start)
            throws SQLException {
        List<PeriodRow> rows = periods(c, "select customer_id, subscription_id, period_start,"
                + " grants::text, granted_at from subscription_periods where customer_id = ?"
                + " and subscription_id = ? and period_start = ?", ps -> {
                    ps.setString(1, customerId);
                    ps.setString(2, subscriptionId);
                    Jdbc.setInstant(ps, 3, start);
                });
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** Periods whose grants are not all known to be made (a crash, or still in progress). */
    List<PeriodRow> ungrantedPeriods(Connection c, int limit) throws SQLException {
        return periods(c, "select customer_id, subscription_id, period_start, grants::text,"
                + " granted_at from subscription_periods where granted_at is null"
                + " order by created_at limit ?", ps -> ps.setInt(1, limit));
    }

    void markPeriodGranted(Connection c, PeriodRow period, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update subscription_periods"
                + " set granted_at = ? where customer_id = ? and subscription_id = ?"
                + " and period_start = ? and granted_at is null")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, period.customerId());
            ps.setString(3, period.subscriptionId());
            Jdbc.setInstant(ps, 4, period.start());
            ps.executeUpdate();
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<PeriodRow> periods(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<PeriodRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new PeriodRow(rs.getString(1), rs.getString(2), Jdbc.getInstant(rs, 3),
                            readGrants(rs.getString(4)), Jdbc.getInstant(rs, 5) != null));
                }
            }
            return rows;
        }
    }

    // ---- the ledger's grants of a period (read only)

    /** The active grants a subscription made for the period starting at {@code start}. */
    List<PeriodGrantRow> activePeriodGrants(Connection c, String customerId,
                                            String subscriptionId, Instant start, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id, credit_type, amount,"
                + " remaining, metadata->>'kind', effective_at, expires_at,"
                + " (select coalesce(-sum(t.amount), 0) from transactions t"
                + "   where t.customer_id = g.customer_id and t.grant_id = g.id"
                + "   and t.type = 'void') from grants g"
                + " where customer_id = ? and status = 'active' and (expires_at is null"
                + " or expires_at > ?) and metadata->>'subscription_id' = ?"
                + " and metadata->>'period_start' = ? order by id")) {
            ps.setString(1, customerId);
            Jdbc.setInstant(ps, 2, now);
            ps.setString(3, subscriptionId);
            ps.setString(4, start.toString());
            List<PeriodGrantRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new PeriodGrantRow(rs.getString(1), rs.getString(2),
                            rs.getLong(3), rs.getLong(4), rs.getString(5), Jdbc.getInstant(rs, 6),
                            Jdbc.getInstant(rs, 7), rs.getLong(8)));
                }
            }
            return rows;
        }
    }

    /**
     * What was left of a period's grants when they expired, per credit type: the remainder of
     * an expiry not yet recorded, or the amount of the recorded expiry entry. Voided and
     * depleted grants left nothing.
     */
    Map<String, Long> unusedAtExpiry(Connection c, String customerId, String subscriptionId,
                                     Instant start) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select g.credit_type, sum(case"
                + " when g.status = 'active' then g.remaining"
                + " when g.status = 'expired' then coalesce((select -t.amount from transactions t"
                + "   where t.customer_id = g.customer_id and t.grant_id = g.id"
                + "   and t.type = 'expiry'), 0) else 0 end)"
                + " from grants g where g.customer_id = ? and g.metadata->>'subscription_id' = ?"
                + " and g.metadata->>'period_start' = ? group by g.credit_type")) {
            ps.setString(1, customerId);
            ps.setString(2, subscriptionId);
            ps.setString(3, start.toString());
            Map<String, Long> unused = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    unused.put(rs.getString(1), rs.getLong(2));
                }
            }
            return unused;
        }
    }

    // ---- purchases

    record PurchaseRow(String customerId, String paymentReference, String id, String product,
                       int quantity, List<PlannedGrant> grants, Instant createdAt,
                       boolean granted) {
    }

    boolean insertPurchase(Connection c, PurchaseRow row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into purchases (customer_id,"
                + " payment_reference, id, product, quantity, grants, created_at)"
                + " values (?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing")) {
            ps.setString(1, row.customerId());
            ps.setString(2, row.paymentReference());
            ps.setString(3, row.id());
            ps.setString(4, row.product());
            ps.setInt(5, row.quantity());
            ps.setString(6, writeGrants(row.grants()));
            Jdbc.setInstant(ps, 7, row.createdAt());
            return ps.executeUpdate() == 1;
        }
    }

    PurchaseRow findPurchase(Connection c, String customerId, String paymentReference)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id, product, quantity,"
                + " grants::text, created_at, granted_at from purchases"
                + " where customer_id = ? and payment_reference = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, paymentReference);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new PurchaseRow(customerId, paymentReference, rs.getString(1),
                        rs.getString(2), rs.getInt(3), readGrants(rs.getString(4)),
                        Jdbc.getInstant(rs, 5), Jdbc.getInstant(rs, 6) != null);
            }
        }
    }

    void markPurchaseGranted(Connection c, PurchaseRow row, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update purchases set granted_at = ?"
                + " where customer_id = ? and payment_reference = ? and granted_at is null")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, row.customerId());
            ps.setString(3, row.paymentReference());
            ps.executeUpdate();
        }
    }

    // ---- events and the test clock's schedule

    /**
     * Appends a plan event to the ledger's outbox. These events belong to a customer, not to a
     * wallet, so their {@code credit_type} is empty.
     */
    void appendEvent(Connection c, String customerId, String type, Map<String, Object> payload,
                     Instant now) throws SQLException {
        Outbox.append(c, customerId, "", type, payload, now);
    }

    /**
     * The first instant after {@code now} at which something falls due: a renewal, a scheduled
     * grant becoming effective, a grant's expiry notice or expiry, or a hold expiry; null when
     * nothing does.
     */
    Instant nextDueAfter(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select least("
                + " (select min(period_end) from subscriptions where status = 'active'"
                + "   and period_end > ? and " + PAID + "),"
                + " (select min(effective_at) from grants where status = 'scheduled'"
                + "   and effective_at > ?),"
                + " (select min(expires_at) from grants where status = 'active'"
                + "   and expires_at > ?),"
                + " (select min(expiring_notice_at) from grants where status = 'active'"
                + "   and expiring_notice_at > ?),"
                + " (select min(expires_at) from holds where status = 'held'"
                + "   and expires_at > ?))")) {
            for (int i = 1; i <= 5; i++) {
                Jdbc.setInstant(ps, i, now);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Jdbc.getInstant(rs, 1);
            }
        }
    }

    // ---- helpers

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A subscription as an answer is recorded under its idempotency key. */
    static String writeSubscription(Subscription s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("customer_id", s.customerId());
        m.put("plan", s.plan());
        m.put("pending_plan", s.pendingPlan());
        m.put("status", s.status());
        m.put("started_at", text(s.startedAt()));
        m.put("current_period_start", text(s.currentPeriodStart()));
        m.put("current_period_end", text(s.currentPeriodEnd()));
        m.put("allowance_period_start", text(s.allowancePeriodStart()));
        m.put("allowance_period_end", text(s.allowancePeriodEnd()));
        m.put("cancel_at", text(s.cancelAt()));
        return write(m);
    }

    static Map<String, Object> readObject(String json) {
        try {
            return JSON.readValue(json, OBJECT);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a recorded answer is not readable", e);
        }
    }

    static Subscription readSubscription(String json) {
        Map<String, Object> m = readObject(json);
        return new Subscription((String) m.get("id"), (String) m.get("customer_id"),
                (String) m.get("plan"), (String) m.get("pending_plan"),
                (String) m.get("status"), instant(m.get("started_at")),
                instant(m.get("current_period_start")), instant(m.get("current_period_end")),
                instant(m.get("allowance_period_start")),
                instant(m.get("allowance_period_end")), instant(m.get("cancel_at")), false);
    }

    private static String text(Instant value) {
        return value == null ? null : value.toString();
    }

    private static Instant instant(Object text) {
        return text == null ? null : Instant.parse((String) text);
    }

    private static String writeGrants(List<PlannedGrant> grants) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PlannedGrant g : grants) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", g.idempotencyKey());
            m.put("credit_type", g.creditType());
            m.put("units", g.units());
            m.put("kind", g.kind());
            m.put("effective_at", g.effectiveAt().toString());
            m.put("expires_at", g.expiresAt() == null ? null : g.expiresAt().toString());
            if (g.costBasis() != null) {
                m.put("cost_basis", g.costBasis().minor());
                m.put("cost_currency", g.costBasis().currency());
            }
            out.add(m);
        }
        return write(out);
    }

    private static List<PlannedGrant> readGrants(String json) {
        try {
            List<PlannedGrant> out = new ArrayList<>();
            for (Map<String, Object> m : JSON.readValue(json, GRANT_LIST)) {
                Object expires = m.get("expires_at");
                out.add(new PlannedGrant((String) m.get("key"), (String) m.get("credit_type"),
                        ((Number) m.get("units")).longValue(), (String) m.get("kind"),
                        Instant.parse((String) m.get("effective_at")),
                        expires == null ? null : Instant.parse((String) expires),
                        m.get("cost_basis") == null ? null : new dev.credits.Money(
                                ((Number) m.get("cost_basis")).longValue(),
                                (String) m.get("cost_currency"))));
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored grants are not readable", e);
        }
    }
}
