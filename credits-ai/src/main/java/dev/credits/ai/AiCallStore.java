package dev.credits.ai;

import dev.credits.Amount;
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
 * The {@code ai_calls} and {@code ai_wallet_remainders} tables (migration V4). Every pricing runs
 * in one transaction that holds the call's row lock and the wallet's remainder row lock, so the
 * credits of a call and the remainder it leaves are written together, once.
 */
final class AiCallStore {
    static final String UNIQUE_VIOLATION = "23505";
    private static final String COLUMNS = "customer_id, id, credit_type, provider, model,"
            + " feature, status, hold_id, reserved_units, max_input_tokens, max_output_tokens,"
            + " expires_at, input_tokens, cached_input_tokens, cache_write_5m_tokens,"
            + " cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_nano_usd,"
            + " credit_units, transaction_id, balance_after_units, latency_ms, error,"
            + " idempotency_key, created_at, completed_at";

    /** Work inside one transaction. */
    interface Work<T> extends Jdbc.Work<T> {
    }

    private final DataSource dataSource;
    private final int scale;

    AiCallStore(DataSource dataSource, int scale) {
        this.dataSource = dataSource;
        this.scale = scale;
    }

    /** Runs {@code work} in a transaction: committed when it returns, rolled back if it throws. */
    <T> T inTransaction(Work<T> work) {
        return Jdbc.inTransaction(dataSource, work);
    }

    static RuntimeException translate(SQLException e) {
        return Jdbc.translate(e);
    }

    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    AiCallRecord find(String id) {
        return inTransaction(c -> one(c, "select " + COLUMNS + " from ai_calls where id = ?",
                id));
    }

    /** The live call of an idempotency key (a failed attempt frees its key), or null. */
    AiCallRecord findByKey(String customerId, String key) {
        return inTransaction(c -> one(c, "select " + COLUMNS + " from ai_calls where"
                + " customer_id = ? and idempotency_key = ? and status <> 'failed'",
                customerId, key));
    }

    String fingerprint(String id) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select fingerprint from ai_calls where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /** The call, its row locked until the transaction ends; null when there is none. */
    AiCallRecord lock(Connection c, String id) throws SQLException {
        return one(c, "select " + COLUMNS + " from ai_calls where id = ? for update", id);
    }

    /**
     * Locks the wallet's remainder row (made at zero on first use) and returns the remainder in
     * {@code conversion}'s denominator.
     */
    long lockRemainder(Connection c, String customerId, String creditType,
                       CreditConversion conversion) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into ai_wallet_remainders"
                + " (customer_id, credit_type, remainder, denominator) values (?, ?, 0, ?)"
                + " on conflict do nothing")) {
            ps.setString(1, customerId);
            ps.setString(2, creditType);
            ps.setLong(3, conversion.denominator());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("select remainder, denominator from"
                + " ai_wallet_remainders where customer_id = ? and credit_type = ? for update")) {
            ps.setString(1, customerId);
            ps.setString(2, creditType);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long remainder = conversion.convertRemainder(rs.getLong(1), rs.getLong(2));
                if (remainder < 0 || remainder >= conversion.denominator()) {
                    throw new IllegalStateException("remainder out of range for " + customerId);
                }
                return remainder;
            }
        }
    }

    void saveRemainder(Connection c, String customerId, String creditType, long remainder,
                       long denominator) throws SQLException {
        if (remainder < 0 || remainder >= denominator) {
            throw new IllegalStateException("remainder " + remainder + " out of 0.."
                    + (denominator - 1));
        }
        try (PreparedStatement ps = c.prepareStatement("update ai_wallet_remainders set"
                + " remainder = ?, denominator = ? where customer_id = ? and credit_type = ?")) {
            ps.setLong(1, remainder);
            ps.setLong(2, denominator);
            ps.setString(3, customerId);
            ps.setString(4, creditType);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("no remainder row for " + customerId);
            }
        }
    }

    /**
     * Credits a customer's AI calls used since {@code since}: the charged credits of priced
     * calls, and the reservations of calls still reserved. Call with the remainder row locked.
     */
    long usedSince(Connection c, String customerId, String creditType, Instant since,
                   Instant now) throws SQLException {
        // Summed in numeric and capped at the largest long: past that, any limit is exceeded.
        try (PreparedStatement ps = c.prepareStatement("select least(coalesce(sum(case"
                + " when status in ('completing', 'completed') then credit_units"
                + " when status = 'reserved' and expires_at > ? then reserved_units"
                + " else 0 end), 0), 9223372036854775807)::bigint from ai_calls"
                + " where customer_id = ? and credit_type = ? and created_at >= ?")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, customerId);
            ps.setString(3, creditType);
            Jdbc.setInstant(ps, 4, since);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    void insert(Connection c, AiCallRecord call, String fingerprint) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into ai_calls (customer_id, id,"
                + " credit_type, provider, model, feature, status, hold_id, reserved_units,"
                + " max_input_tokens, max_output_tokens, expires_at, idempotency_key,"
                + " fingerprint, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?)")) {
            ps.setString(1, call.customerId());
            ps.setString(2, call.id());
            ps.setString(3, call.creditType());
            ps.setString(4, call.provider());
            ps.setString(5, call.model());
            ps.setString(6, call.feature());
            ps.setString(7, call.status().wireName());
            ps.setString(8, call.holdId());
            Jdbc.setLongOrNull(ps, 9, call.reserved() == null ? null : call.reserved().units());
            ps.setLong(10, call.maxInputTokens());
            ps.setLong(11, call.maxOutputTokens());
            Jdbc.setInstant(ps, 12, call.expiresAt());
            ps.setString(13, call.idempotencyKey());
            ps.setString(14, fingerprint);
            Jdbc.setInstant(ps, 15, call.createdAt());
            ps.executeUpdate();
        }
    }

    /**
     * Records the hold a reserved call recorded without one has now taken; false when the call
     * is no longer reserved (cancelled, or deleted as refused) and the hold belongs to nothing.
     */
    boolean attachHold(String id, String holdId, Instant expiresAt) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update ai_calls set hold_id = ?,"
                    + " expires_at = ? where id = ? and status = 'reserved'"
                    + " and (hold_id is null or hold_id = ?)")) {
                ps.setString(1, holdId);
                Jdbc.setInstant(ps, 2, expiresAt);
                ps.setString(3, id);
                ps.setString(4, holdId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Deletes a reserved call whose hold was refused (it never held anything). */
    void deleteUnheld(String id) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from ai_calls where id = ?"
                    + " and hold_id is null and status = 'reserved'")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Records the price of a call: its usage, cost and credits; status {@code completing}. */
    void markPriced(Connection c, String id, TokenUsage u, long costNanoUsd, long creditUnits,
                    Long latencyMs, String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update ai_calls set status ="
                + " 'completing', input_tokens = ?, cached_input_tokens = ?,"
                + " cache_write_5m_tokens = ?, cache_write_1h_tokens = ?, output_tokens = ?,"
                + " reasoning_tokens = ?, cost_nano_usd = ?, credit_units = ?, latency_ms = ?,"
                + " error = ? where id = ?")) {
            ps.setLong(1, u.inputTokens());
            ps.setLong(2, u.cachedInputTokens());
            ps.setLong(3, u.cacheWriteTokens());
            ps.setLong(4, u.cacheWrite1hTokens());
            ps.setLong(5, u.outputTokens());
            ps.setLong(6, u.reasoningTokens());
            ps.setLong(7, costNanoUsd);
            ps.setLong(8, creditUnits);
            Jdbc.setLongOrNull(ps, 9, latencyMs);
            ps.setString(10, error);
            ps.setString(11, id);
            ps.executeUpdate();
        }
    }

    /**
     * {@code completing} → {@code completed}, with an {@code ai_call.completed} event in the
     * ledger's outbox in the same transaction; false when the call was not completing.
     */
    boolean markCompleted(String id, String transactionId, Long balanceAfterUnits, Instant now) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update ai_calls set status ="
                    + " 'completed', transaction_id = ?, balance_after_units = ?,"
                    + " completed_at = ? where id = ? and status = 'completing'"
                    + " returning customer_id, credit_type, provider, model, feature,"
                    + " input_tokens, output_tokens, cost_nano_usd, credit_units")) {
                ps.setString(1, transactionId);
                Jdbc.setLongOrNull(ps, 2, balanceAfterUnits);
                Jdbc.setInstant(ps, 3, now);
                ps.setString(4, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("ai_call_id", id);
                    event.put("provider", rs.getString("provider"));
                    event.put("model", rs.getString("model"));
                    event.put("feature", rs.getString("feature"));
                    event.put("input_tokens", Jdbc.getLongOrNull(rs, "input_tokens"));
                    event.put("output_tokens", Jdbc.getLongOrNull(rs, "output_tokens"));
                    event.put("cost_nano_usd", Jdbc.getLongOrNull(rs, "cost_nano_usd"));
                    Long units = Jdbc.getLongOrNull(rs, "credit_units");
                    event.put("amount", units == null ? null
                            : Amount.ofUnits(units, scale).toString());
                    event.put("transaction_id", transactionId);
                    Outbox.append(c, rs.getString("customer_id"), rs.getString("credit_type"),
                            COMPLETED_EVENT, event, now);
                }
                return true;
            }
        });
    }

    /** The stored name of the event of a completed call (ai_call.completed on the wire). */
    static final String COMPLETED_EVENT = "AiCallCompleted";

    void markStatus(Connection c, String id, AiCallStatus status, String error, Long latencyMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update ai_calls set status = ?,"
                + " error = coalesce(?, error), latency_ms = coalesce(?, latency_ms)"
                + " where id = ?")) {
            ps.setString(1, status.wireName());
            ps.setString(2, error);
            Jdbc.setLongOrNull(ps, 3, latencyMs);
            ps.setString(4, id);
            ps.executeUpdate();
        }
    }

    private AiCallRecord one(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    private AiCallRecord row(ResultSet rs) throws SQLException {
        AiCallStatus status = AiCallStatus.parse(rs.getString("status"));
        TokenUsage usage = null;
        if (status.isPriced() || rs.getObject("input_tokens") != null) {
            usage = new TokenUsage(rs.getLong("input_tokens"), rs.getLong("cached_input_tokens"),
                    rs.getLong("cache_write_5m_tokens"), rs.getLong("cache_write_1h_tokens"),
                    rs.getLong("output_tokens"), rs.getLong("reasoning_tokens"));
        }
        Long reserved = Jdbc.getLongOrNull(rs, "reserved_units");
        Long credits = Jdbc.getLongOrNull(rs, "credit_units");
        Long balance = Jdbc.getLongOrNull(rs, "balance_after_units");
        return new AiCallRecord(rs.getString("id"), rs.getString("customer_id"),
                rs.getString("credit_type"), rs.getString("provider"), rs.getString("model"),
                rs.getString("feature"), status, rs.getString("hold_id"), amount(reserved),
                rs.getLong("max_input_tokens"), rs.getLong("max_output_tokens"),
                Jdbc.getInstant(rs, "expires_at"), usage, Jdbc.getLongOrNull(rs, "cost_nano_usd"),
                amount(credits), rs.getString("transaction_id"), amount(balance),
                Jdbc.getLongOrNull(rs, "latency_ms"), rs.getString("error"),
                rs.getString("idempotency_key"), Jdbc.getInstant(rs, "created_at"),
                Jdbc.getInstant(rs, "completed_at"), false);
    }

    private Amount amount(Long units) {
        return units == null ? null : Amount.ofUnits(units, scale);
    }

    /** Totals of priced calls created in [from, to), grouped by {@code groupBy} (or none). */
    List<UsageTotal> totals(String customerId, String creditType, Instant from, Instant to,
                            UsageGrouping groupBy) {
        String group = switch (groupBy) {
            case NONE -> "null::text";
            case MODEL -> "provider || '/' || model";
            case FEATURE -> "coalesce(feature, '')";
            case DAY -> "to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')";
        };
        String sql = "select " + group + " as g, count(*), sum(input_tokens),"
                + " sum(cached_input_tokens), sum(cache_write_5m_tokens),"
                + " sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens),"
                + " sum(cost_nano_usd), sum(credit_units) from ai_calls"
                + " where customer_id = ? and credit_type = ? and created_at >= ?"
                + " and created_at < ? and status in ('completing', 'completed')"
                + " group by 1 order by 1 limit " + UsageGrouping.GROUPS_MAX;
        return inTransaction(c -> {
            List<UsageTotal> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, customerId);
                ps.setString(2, creditType);
                Jdbc.setInstant(ps, 3, from);
                Jdbc.setInstant(ps, 4, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new UsageTotal(rs.getString(1), rs.getLong(2), sum(rs, 3),
                                sum(rs, 4), sum(rs, 5), sum(rs, 6), sum(rs, 7), sum(rs, 8),
                                sum(rs, 9), Amount.ofUnits(sum(rs, 10), scale)));
                    }
                }
            }
            return out;
        });
    }

    /** A total summed in numeric; one past what a long holds is refused, never wrapped. */
    private static long sum(ResultSet rs, int column) throws SQLException {
        java.math.BigDecimal total = rs.getBigDecimal(column);
        try {
            return total == null ? 0 : total.longValueExact();
        } catch (ArithmeticException e) {
            throw new dev.credits.ValidationException("from", "the totals of this range are"
                    + " larger than a count can hold; ask for a shorter range");
        }
    }
}
