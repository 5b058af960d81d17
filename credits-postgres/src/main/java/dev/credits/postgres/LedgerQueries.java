package dev.credits.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.HoldStatus;
import dev.credits.OverdraftLimit;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.ValidationException;
import dev.credits.WalletBalance;
import dev.credits.internal.GrantState;
import dev.credits.internal.HoldState;
import dev.credits.internal.Json;
import dev.credits.internal.LedgerMachine;
import dev.credits.internal.TransactionEntry.AllocationEntry;
import dev.credits.internal.WalletKey;
import dev.credits.spi.LedgerStore.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Reads. None locks, and none grows with history except history itself and the point-in-time
 * balance: the current balance is the wallet row corrected by the grants and holds whose expiry
 * is due but not yet recorded.
 */
final class LedgerQueries {
    private static final TypeReference<List<AllocationEntry>> ALLOCATIONS = new TypeReference<>() {
    };

    private final DataSource dataSource;
    private final CreditTypes types;

    LedgerQueries(DataSource dataSource, CreditTypes types) {
        this.dataSource = dataSource;
        this.types = types;
    }

    WalletBalance wallet(WalletKey key, Instant now) {
        CreditType type = types.require(key.creditType());
        // One pass over the wallet's active grants: what expired unswept, and what is left of
        // the paid and the free ones.
        String sql = "select w.balance, w.held, w.overdraft_limit, w.alert_thresholds,"
                + " a.expired, a.paid, a.free,"
                + " (select coalesce(sum(h.amount), 0) from holds h"
                + "   where h.customer_id = w.customer_id and h.credit_type = w.credit_type"
                + "   and h.status = 'held' and h.expires_at <= ?) as released,"
                + " exists (select 1 from grants g"
                + "   where g.customer_id = w.customer_id and g.credit_type = w.credit_type"
                + "   and g.status = 'scheduled' and g.effective_at <= ?) as to_activate"
                + " from wallets w cross join lateral (select"
                + "   coalesce(sum(g.remaining) filter (where g.expires_at <= ?), 0) as expired,"
                + "   coalesce(sum(g.remaining) filter (where g.cost_basis is not null"
                + "     and (g.expires_at is null or g.expires_at > ?)), 0) as paid,"
                + "   coalesce(sum(g.remaining) filter (where g.cost_basis is null"
                + "     and (g.expires_at is null or g.expires_at > ?)), 0) as free"
                + "   from grants g where g.customer_id = w.customer_id"
                + "   and g.credit_type = w.credit_type and g.status = 'active') a"
                + " where w.customer_id = ? and w.credit_type = ?";
        return query(sql, ps -> {
            for (int i = 1; i <= 5; i++) {
                Jdbc.setInstant(ps, i, now);
            }
            ps.setString(6, key.customerId());
            ps.setString(7, key.creditType());
        }, rs -> {
            long paid = 0;
            long free = 0;
            long balance = 0;
            long held = 0;
            OverdraftLimit limit = type.overdraftLimit();
            List<Long> thresholds = type.defaultAlertThresholds();
            if (rs.next()) {
                if (rs.getBoolean("to_activate")) {
                    return null; // the caller activates it first: see LedgerStore.wallet
                }
                balance = Math.subtractExact(rs.getLong("balance"), rs.getLong("expired"));
                held = Math.subtractExact(rs.getLong("held"), rs.getLong("released"));
                limit = overdraftLimit(type, rs);
                thresholds = alertThresholds(type, rs);
                paid = rs.getLong("paid");
                free = rs.getLong("free");
            }
            return new WalletBalance(key.customerId(), key.creditType(), type.amount(balance),
                    type.amount(held), type.amount(Math.subtractExact(balance, held)), limit,
                    now, LedgerMachine.amounts(type, thresholds), type.amount(paid),
                    type.amount(free));
        });
    }

    /** A wallet's settings: its overdraft limit and alert thresholds, its own or its type's. */
    private record Settings(OverdraftLimit limit, List<Long> thresholds) {
    }

    /** A wallet row's own alert thresholds, or its credit type's when it has none. */
    private static List<Long> alertThresholds(CreditType type, ResultSet rs)
            throws SQLException {
        java.sql.Array own = rs.getArray("alert_thresholds");
        return own == null ? type.defaultAlertThresholds() : List.of((Long[]) own.getArray());
    }

    /** A wallet row's own overdraft limit, or its credit type's when it has none. */
    private static OverdraftLimit overdraftLimit(CreditType type, ResultSet rs)
            throws SQLException {
        Long stored = Jdbc.getLongOrNull(rs, "overdraft_limit");
        return stored == null ? type.overdraftLimit() : OverdraftLimit.fromStoredUnits(stored);
    }

    Amount balanceAt(WalletKey key, Instant at) {
        CreditType type = types.require(key.creditType());
        // Recorded entries effective by then, less expiries due by then but not yet recorded
        // (such a grant has not been spent from since it expired, so its remainder is exact).
        String sql = "select (select coalesce(sum(amount), 0) from transactions"
                + "   where customer_id = ? and credit_type = ? and effective_at <= ?)"
                + " - (select coalesce(sum(remaining), 0) from grants"
                + "   where customer_id = ? and credit_type = ? and status = 'active'"
                + "   and expires_at <= ?)";
        return query(sql, ps -> {
            for (int i = 0; i < 2; i++) {
                ps.setString(1 + 3 * i, key.customerId());
                ps.setString(2 + 3 * i, key.creditType());
                Jdbc.setInstant(ps, 3 + 3 * i, at);
            }
        }, rs -> {
            rs.next();
            return type.amount(exactAt(rs.getBigDecimal(1)));
        });
    }

    /** A sum at a past time, summed in numeric; one past what a long holds is refused. */
    private static long exactAt(java.math.BigDecimal sum) {
        try {
            return sum.longValueExact();
        } catch (ArithmeticException e) {
            throw new ValidationException("at", "the wallet at that time holds more than one"
                    + " amount can show");
        }
    }

    WalletBalance walletAt(WalletKey key, Instant at, Instant now) {
        CreditType type = types.require(key.creditType());
        Amount balance = balanceAt(key, at);
        // A hold reserved at `at` if it was made by then and not yet settled or expired then;
        // a captured or released hold was settled when it was last updated.
        long held = query("select coalesce(sum(amount), 0) from holds where customer_id = ?"
                + " and credit_type = ? and created_at <= ? and expires_at > ?"
                + " and (status in ('held', 'expired') or updated_at > ?)", ps -> {
                    ps.setString(1, key.customerId());
                    ps.setString(2, key.creditType());
                    Jdbc.setInstant(ps, 3, at);
                    Jdbc.setInstant(ps, 4, at);
                    Jdbc.setInstant(ps, 5, at);
                }, rs -> {
                    rs.next();
                    return exactAt(rs.getBigDecimal(1));
                });
        Settings settings = query("select overdraft_limit, alert_thresholds from wallets"
                + " where customer_id = ? and credit_type = ?", ps -> {
                    ps.setString(1, key.customerId());
                    ps.setString(2, key.creditType());
                }, rs -> rs.next() ? new Settings(overdraftLimit(type, rs),
                        alertThresholds(type, rs))
                        : new Settings(type.overdraftLimit(), type.defaultAlertThresholds()));
        return new WalletBalance(key.customerId(), key.creditType(), balance, type.amount(held),
                type.amount(exactAt(java.math.BigDecimal.valueOf(balance.units())
                        .subtract(java.math.BigDecimal.valueOf(held)))), settings.limit(),
                at, LedgerMachine.amounts(type, settings.thresholds()));
    }

    List<GrantRecord> grants(String customerId, String creditType, boolean all, Instant now) {
        String sql = "select " + WalletRows.GRANT_COLUMNS + " from grants where customer_id = ?"
                + (creditType == null ? "" : " and credit_type = ?")
                + (all ? "" : " and status = 'active' and (expires_at is null or expires_at > ?)")
                + " order by created_at desc, id desc";
        List<GrantRecord> out = query(sql, ps -> {
            int i = 1;
            ps.setString(i++, customerId);
            if (creditType != null) {
                ps.setString(i++, creditType);
            }
            if (!all) {
                Jdbc.setInstant(ps, i, now);
            }
        }, rs -> {
            List<GrantRecord> list = new ArrayList<>();
            List<GrantState> states = new ArrayList<>();
            while (rs.next()) {
                states.add(WalletRows.readGrant(rs));
                list.add(grantRecord(rs.getString("customer_id"), rs.getString("credit_type"),
                        states.get(states.size() - 1), now));
            }
            if (!all) {
                // Active grants are listed in burn-down order.
                List<GrantRecord> sorted = new ArrayList<>();
                List<GrantState> order = new ArrayList<>(states);
                order.sort(GrantState.BURN_DOWN);
                for (GrantState g : order) {
                    sorted.add(list.get(states.indexOf(g)));
                }
                return sorted;
            }
            return list;
        });
        return out;
    }

    GrantRecord grant(String grantId, Instant now) {
        return query("select " + WalletRows.GRANT_COLUMNS + " from grants where id = ?",
                ps -> ps.setString(1, grantId),
                rs -> rs.next() ? grantRecord(rs.getString("customer_id"),
                        rs.getString("credit_type"), WalletRows.readGrant(rs), now) : null);
    }

    /** A grant as the API shows it now: one past its expiry reads as expired, even unswept. */
    private GrantRecord grantRecord(String customerId, String creditTypeId, GrantState g,
                                    Instant now) {
        CreditType type = types.require(creditTypeId);
        GrantStatus status = g.status;
        long remaining = g.remaining;
        if (status == GrantStatus.ACTIVE && g.isExpiredAt(now)) {
            status = GrantStatus.EXPIRED;
            remaining = 0;
        }
        return new GrantRecord(g.id, g.transactionId, customerId, creditTypeId,
                type.amount(g.amount), type.amount(remaining), g.source, g.priority,
                g.effectiveAt, g.expiresAt, status, g.reason, Json.parseMetadata(g.metadataJson),
                null, g.costMinor == null ? null : new dev.credits.Money(g.costMinor,
                        g.costCurrency), g.createdAt);
    }

    /**
     * The roll-forward of a currency over {@code [from, to)} from the recorded shares: each
     * figure summed on its own (the opening and closing deferred as purchased less consumed
     * before each bound), so that the identity is a check.
     */
    /** The optional customer and credit type conditions of a revenue query. */
    private static String revenueFilters(String customerId, String creditType) {
        return (customerId == null ? "" : " and customer_id = ?")
                + (creditType == null ? "" : " and credit_type = ?");
    }

    private static void setRevenueFilters(PreparedStatement ps, int index, String customerId,
                                          String creditType) throws SQLException {
        if (customerId != null) {
            ps.setString(index++, customerId);
        }
        if (creditType != null) {
            ps.setString(index, creditType);
        }
    }

    /** The figures of {@code [from, to)} alone: a range scan of the (currency, at) index. */
    dev.credits.spi.RevenueTotals revenueWithin(String currency, Instant from, Instant to,
                                                String customerId, String creditType) {
        String sql = "select"
                + " coalesce(sum(amount) filter (where kind = 'purchased'), 0),"
                + " coalesce(sum(amount) filter (where kind = 'recognized'), 0),"
                + " coalesce(sum(amount) filter (where kind = 'breakage'), 0),"
                + " coalesce(sum(amount) filter (where kind = 'refunded'), 0)"
                + " from revenue_entries where currency = ? and at >= ? and at < ?"
                + revenueFilters(customerId, creditType);
        return query(sql, ps -> {
            ps.setString(1, currency);
            Jdbc.setInstant(ps, 2, from);
            Jdbc.setInstant(ps, 3, to);
            setRevenueFilters(ps, 4, customerId, creditType);
        }, rs -> {
            rs.next();
            return new dev.credits.spi.RevenueTotals(0, rs.getLong(1), rs.getLong(2),
                    rs.getLong(3), rs.getLong(4), 0);
        });
    }

    dev.credits.spi.RevenueTotals revenue(String currency, Instant from, Instant to,
                                          String customerId, String creditType) {
        String sql = "select"
                + " coalesce(sum(case when kind = 'purchased' then amount else -amount end)"
                + "   filter (where at < ?), 0),"
                + " coalesce(sum(amount) filter (where kind = 'purchased' and at >= ?), 0),"
                + " coalesce(sum(amount) filter (where kind = 'recognized' and at >= ?), 0),"
                + " coalesce(sum(amount) filter (where kind = 'breakage' and at >= ?), 0),"
                + " coalesce(sum(amount) filter (where kind = 'refunded' and at >= ?), 0),"
                + " coalesce(sum(case when kind = 'purchased' then amount else -amount end), 0)"
                + " from revenue_entries where currency = ? and at < ?"
                + revenueFilters(customerId, creditType);
        return query(sql, ps -> {
            for (int i = 1; i <= 5; i++) {
                Jdbc.setInstant(ps, i, from);
            }
            ps.setString(6, currency);
            Jdbc.setInstant(ps, 7, to);
            setRevenueFilters(ps, 8, customerId, creditType);
        }, rs -> {
            rs.next();
            return new dev.credits.spi.RevenueTotals(rs.getLong(1), rs.getLong(2),
                    rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
        });
    }

    /** How far the clocks of two servers writing usage may differ, for {@link #usageByDay}. */
    static final java.time.Duration USAGE_CLOCK_SKEW = java.time.Duration.ofDays(1);
    private static final String HOLD_COLUMNS = "customer_id, credit_type, id, amount, captured,"
            + " status, feature, metadata::text as metadata, expires_at, created_at,"
            + " transaction_id";

    HoldRecord hold(String holdId, Instant now) {
        return query("select " + HOLD_COLUMNS + " from holds where id = ?",
                ps -> ps.setString(1, holdId), rs -> rs.next() ? holdRecord(rs, now) : null);
    }

    List<HoldRecord> holds(String customerId, int limit, Instant now) {
        return query("select " + HOLD_COLUMNS + " from holds where customer_id = ?"
                + " order by created_at desc, id desc limit ?", ps -> {
                    ps.setString(1, customerId);
                    ps.setInt(2, limit);
                }, rs -> {
                    List<HoldRecord> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(holdRecord(rs, now));
                    }
                    return out;
                });
    }

    /** A hold as the API shows it now: one past its expiry reads as expired, even unswept. */
    private HoldRecord holdRecord(ResultSet rs, Instant now) throws SQLException {
        HoldState h = WalletRows.readHold(rs);
        CreditType type = types.require(rs.getString("credit_type"));
        HoldStatus status = h.status == HoldStatus.HELD && !h.expiresAt.isAfter(now)
                ? HoldStatus.EXPIRED : h.status;
        return new HoldRecord(h.id, rs.getString("customer_id"), type.id(),
                type.amount(h.amount), type.amount(h.captured), status, h.expiresAt,
                h.transactionId, h.feature, Json.parseMetadata(h.metadataJson), h.createdAt);
    }

    /**
     * Usage per UTC day, credit type and feature in {@code [from, to)}. The history index is read
     * newest first and left at the first usage entry a skew before {@code from}: usage is effective
     * when it is written, so usage entries are in time order ({@link #USAGE_CLOCK_SKEW} covers
     * clocks of several servers that differ a little), and the scan touches the span, not the
     * whole history.
     */
    List<dev.credits.UsageDay> usageByDay(String customerId, Instant from, Instant to) {
        return query("select (effective_at at time zone 'UTC')::date as day, credit_type,"
                + " feature, -sum(amount) as used, count(*) as entries from transactions"
                + " where customer_id = ? and type = 'usage' and effective_at >= ?"
                + " and effective_at < ? and seq > coalesce((select max(seq) from transactions"
                + " where customer_id = ? and type = 'usage'"
                + " and effective_at < ?), 0)"
                + " group by 1, 2, 3 order by 1, 2, 3", ps -> {
                    ps.setString(1, customerId);
                    Jdbc.setInstant(ps, 2, from);
                    Jdbc.setInstant(ps, 3, to);
                    ps.setString(4, customerId);
                    Jdbc.setInstant(ps, 5, from.minus(USAGE_CLOCK_SKEW));
                }, rs -> {
                    List<dev.credits.UsageDay> out = new ArrayList<>();
                    while (rs.next()) {
                        CreditType type = types.require(rs.getString("credit_type"));
                        java.sql.Date day = rs.getDate("day");
                        long used;
                        try {
                            used = rs.getBigDecimal("used").longValueExact();
                        } catch (ArithmeticException e) {
                            throw new ValidationException("from", "the usage of " + day
                                    + " is more than one amount can hold");
                        }
                        out.add(new dev.credits.UsageDay(LocalDate.parse(day.toString()),
                                type.id(), rs.getString("feature"), type.amount(used),
                                rs.getLong("entries")));
                    }
                    return out;
                });
    }

    List<String> customers(String prefix, int limit) {
        return query("select distinct customer_id from wallets where customer_id >= ?"
                + " and left(customer_id, ?) = ? order by customer_id limit ?", ps -> {
                    ps.setString(1, prefix);
                    ps.setInt(2, prefix.length());
                    ps.setString(3, prefix);
                    ps.setInt(4, limit);
                }, rs -> {
                    List<String> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    return out;
                });
    }

    HistoryPage history(String customerId, History q) {
        long before = q.cursor() == null ? Long.MAX_VALUE : Cursor.decode(q.cursor(), customerId, q);
        StringBuilder filter = new StringBuilder(" where customer_id = ?");
        if (q.creditType() != null) {
            filter.append(" and credit_type = ?");
        }
        if (q.type() != null) {
            filter.append(" and type = ?");
        }
        String columns = "credit_type, type, source, grant_id, hold_id, amount, balance_after,"
                + " feature, reason, metadata::text as metadata, allocations::text as allocations,"
                + " created_at, effective_at";
        String sql;
        if (!q.daily()) {
            sql = "select seq as sort_key, id, " + columns + ", null::bigint as count,"
                    + " null::date as day from transactions" + filter
                    + " and seq < ? order by seq desc limit ?";
        } else {
            sql = "with t as (select * from transactions" + filter + ")"
                    + " select * from (select seq as sort_key, id, " + columns
                    + ", null::bigint as count, null::date as day from t where type <> 'usage'"
                    + " union all select max(seq), null, credit_type, 'usage', null, null, null,"
                    + " sum(amount), null, feature, null, '{}', '[]', max(created_at),"
                    + " max(effective_at), count(*), (effective_at at time zone 'UTC')::date"
                    + " from t where type = 'usage'"
                    + " group by credit_type, feature, (effective_at at time zone 'UTC')::date) g"
                    + " where sort_key < ? order by sort_key desc limit ?";
        }
        return query(sql, ps -> {
            int i = 1;
            ps.setString(i++, customerId);
            if (q.creditType() != null) {
                ps.setString(i++, q.creditType());
            }
            if (q.type() != null) {
                ps.setString(i++, q.type().wireName());
            }
            ps.setLong(i++, before);
            ps.setInt(i, q.limit() + 1);
        }, rs -> {
            List<Transaction> data = new ArrayList<>();
            long lastKey = 0;
            boolean more = false;
            while (rs.next()) {
                if (data.size() == q.limit()) {
                    more = true;
                    break;
                }
                lastKey = rs.getLong("sort_key");
                data.add(transaction(customerId, rs));
            }
            return new HistoryPage(data, more ? Cursor.encode(lastKey, customerId, q) : null);
        });
    }

    /**
     * An entry's amount, or a day's usage summed in {@code numeric}: a sum past what an amount
     * can hold (more than 2^63 units of usage in a day) is refused, never wrapped.
     */
    private static long amountUnits(ResultSet rs, java.sql.Date day) throws SQLException {
        java.math.BigDecimal amount = rs.getBigDecimal("amount");
        try {
            return amount.longValueExact();
        } catch (ArithmeticException e) {
            throw new ValidationException("group", "the usage of " + day + " is more than one"
                    + " amount can hold; read it with group=none");
        }
    }

    private Transaction transaction(String customerId, ResultSet rs) throws SQLException {
        CreditType type = types.require(rs.getString("credit_type"));
        String source = rs.getString("source");
        Long balanceAfter = Jdbc.getLongOrNull(rs, "balance_after");
        Long count = Jdbc.getLongOrNull(rs, "count");
        java.sql.Date day = rs.getDate("day");
        List<Allocation> allocations = new ArrayList<>();
        for (AllocationEntry e : readAllocations(rs.getString("allocations"))) {
            allocations.add(new Allocation(e.grantId(), type.amount(e.units())));
        }
        return new Transaction(rs.getString("id"), customerId, type.id(),
                TransactionType.valueOf(rs.getString("type").toUpperCase(Locale.ROOT)),
                source == null ? null : GrantSource.valueOf(source.toUpperCase(Locale.ROOT)),
                rs.getString("grant_id"), rs.getString("hold_id"),
                type.amount(amountUnits(rs, day)),
                balanceAfter == null ? null : type.amount(balanceAfter), rs.getString("feature"),
                rs.getString("reason"), Json.parseMetadata(rs.getString("metadata")),
                Jdbc.getInstant(rs, "created_at"), Jdbc.getInstant(rs, "effective_at"),
                allocations, count == null ? null : count.intValue(),
                day == null ? null : LocalDate.parse(day.toString()));
    }

    private static List<AllocationEntry> readAllocations(String json) {
        try {
            return Codec.MAPPER.readValue(json, ALLOCATIONS);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored allocations are not readable", e);
        }
    }

    List<WalletKey> walletsDueForSweep(Instant now, int limit) {
        return query("select customer_id, credit_type from grants where status = 'active'"
                + " and expires_at <= ? union select customer_id, credit_type from grants"
                + " where status = 'scheduled' and effective_at <= ?"
                + " union select customer_id, credit_type from grants"
                + " where status = 'active' and expiring_notice_at <= ?"
                + " union select customer_id, credit_type from holds"
                + " where status = 'held' and expires_at <= ? limit ?", ps -> {
                    Jdbc.setInstant(ps, 1, now);
                    Jdbc.setInstant(ps, 2, now);
                    Jdbc.setInstant(ps, 3, now);
                    Jdbc.setInstant(ps, 4, now);
                    ps.setInt(5, limit);
                }, rs -> {
                    List<WalletKey> keys = new ArrayList<>();
                    while (rs.next()) {
                        if (types.contains(rs.getString(2))) {
                            keys.add(new WalletKey(rs.getString(1), rs.getString(2)));
                        }
                    }
                    return keys;
                });
    }

    List<WalletKey> walletsToActivate(String customerId, String creditType, Instant now) {
        return query("select distinct credit_type from grants where customer_id = ?"
                + (creditType == null ? "" : " and credit_type = ?")
                + " and status = 'scheduled' and effective_at <= ?", ps -> {
                    int i = 1;
                    ps.setString(i++, customerId);
                    if (creditType != null) {
                        ps.setString(i++, creditType);
                    }
                    Jdbc.setInstant(ps, i, now);
                }, rs -> {
                    List<WalletKey> keys = new ArrayList<>();
                    while (rs.next()) {
                        if (types.contains(rs.getString(1))) {
                            keys.add(new WalletKey(customerId, rs.getString(1)));
                        }
                    }
                    return keys;
                });
    }

    int deleteIdempotencyKeysBefore(Instant cutoff) {
        return update("delete from idempotency_keys where created_at < ?",
                ps -> Jdbc.setInstant(ps, 1, cutoff));
    }

    List<StoredEvent> undeliveredEvents(int limit) {
        // Only the ledger's own events: other modules (plans) append events of their own for
        // consumers of the outbox table, which the in-process listeners do not know.
        return query("select seq, event_type, payload::text from outbox"
                + " where delivered_at is null and event_type = any(?) order by seq limit ?",
                ps -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("text",
                            Codec.eventTypeNames()));
                    ps.setInt(2, limit);
                },
                rs -> {
                    List<StoredEvent> events = new ArrayList<>();
                    while (rs.next()) {
                        events.add(new StoredEvent(rs.getLong(1),
                                Codec.readEvent(rs.getString(2), rs.getString(3))));
                    }
                    return events;
                });
    }

    void markDelivered(List<StoredEvent> events, Instant now) {
        Long[] seqs = events.stream().map(StoredEvent::seq).toArray(Long[]::new);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update outbox set delivered_at = ?"
                     + " where seq = any(?) and delivered_at is null")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setArray(2, c.createArrayOf("bigint", seqs));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw PostgresLedgerStore.translate(e);
        }
    }

    boolean isHealthy() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    // ---- JDBC plumbing: one statement on a connection of its own (Jdbc)

    private <T> T query(String sql, Jdbc.Binder binder, Jdbc.Reader<T> reader) {
        return Jdbc.query(dataSource, sql, binder, reader);
    }

    private int update(String sql, Jdbc.Binder binder) {
        return Jdbc.update(dataSource, sql, binder);
    }

    /**
     * Cursors are opaque: the position and a digest of the query they belong to, base64url.
     * A cursor that was altered, or that belongs to another customer or filter, is rejected.
     */
    static final class Cursor {
        private Cursor() {
        }

        static String encode(long position, String customerId, History q) {
            String text = position + "." + digest(customerId, q);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }

        static long decode(String cursor, String customerId, History q) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor),
                        StandardCharsets.UTF_8);
                int dot = text.indexOf('.');
                long position = Long.parseLong(text.substring(0, dot));
                if (position <= 0 || !text.substring(dot + 1).equals(digest(customerId, q))) {
                    throw new IllegalArgumentException("digest");
                }
                return position;
            } catch (RuntimeException e) {
                throw new ValidationException("cursor", "is not a cursor returned for this query");
            }
        }

        private static String digest(String customerId, History q) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                String scope = customerId + "|" + q.creditType() + "|" + q.type() + "|" + q.daily();
                byte[] hash = sha.digest(scope.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(hash, 0, 8);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
