package dev.credits.webhooks;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.IdempotencyConflictException;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.ValidationException;
import dev.credits.internal.Command;
import dev.credits.internal.Ids;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import dev.credits.postgres.Jdbc;
import dev.credits.postgres.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Auto top-up (V10). A rule per wallet says when to ask for more credits: when a change leaves
 * {@code available} below its {@code threshold}, a top-up of {@code amount} (or of what brings
 * {@code available} up to {@code target}) is requested with a {@code topup.requested} event. At
 * most one is in flight per wallet and at most {@code max_per_day} are requested a day. The
 * request is decided where the event that showed the low balance is fanned out, in the same
 * transaction, so a crash cannot lose or double it. Whoever takes payment completes it
 * ({@link #complete}: the grant is made once, with a key derived from the top-up) or fails it
 * ({@link #fail}); three failures in a row disable the rule.
 */
public final class AutoTopups {
    public static final String ID_PREFIX = "tpu_";
    public static final int MAX_PER_DAY_MIN = 1;
    public static final int MAX_PER_DAY_MAX = 24;
    public static final int MAX_PER_DAY_DEFAULT = 3;
    /** Failures in a row after which a rule disables itself. */
    public static final int FAILURES_MAX = 3;
    public static final int PRODUCT_LENGTH_MAX = 128;
    public static final int TEXT_LENGTH_MAX = 1_000;
    static final String REQUESTED = "TopupRequested";
    static final String SUCCEEDED = "TopupSucceeded";
    static final String FAILED = "TopupFailed";
    /** A request not completed or failed within this lapses (fails), freeing the wallet. */
    public static final Duration REQUEST_LIFETIME = Duration.ofHours(24);

    /** A wallet's rule; exactly one of {@code amount} and {@code target} is set. */
    public record Rule(String customerId, String creditType, boolean enabled, Amount threshold,
                       Amount amount, Amount target, String product, int maxPerDay,
                       int failuresInRow, Instant createdAt, Instant updatedAt) {
    }

    /** A top-up: {@code requested}, {@code completing}, {@code succeeded} or {@code failed}. */
    public record Topup(String id, String customerId, String creditType, Amount amount,
                        String status, String paymentReference, String reason, String grantId,
                        Instant createdAt, Instant finishedAt) {
    }

    private final Credits credits;
    private final DataSource dataSource;

    private AutoTopups(Credits credits, DataSource dataSource) {
        this.credits = credits;
        this.dataSource = dataSource;
    }

    /** Top-up rules and requests in the ledger's database. */
    public static AutoTopups open(Credits credits, DataSource dataSource) {
        return new AutoTopups(credits, dataSource);
    }

    // ---- rules

    /**
     * Sets the wallet's rule (amounts as decimals of its credit type). Throws
     * {@link ValidationException} for a bad field: a threshold below zero, neither or both of
     * {@code amount} and {@code target}, a target not above the threshold, {@code maxPerDay}
     * outside {@value #MAX_PER_DAY_MIN}..{@value #MAX_PER_DAY_MAX}.
     */
    public Rule put(String customerId, String creditType, boolean enabled, String threshold,
                    String amount, String target, String product, Integer maxPerDay) {
        CustomerIds.requireValid(customerId);
        CreditType type = credits.creditTypes().require(creditType);
        long thresholdUnits = units(type, "threshold", threshold, true);
        if ((amount == null) == (target == null)) {
            throw new ValidationException("amount", "give amount or target, not both");
        }
        Long amountUnits = amount == null ? null : units(type, "amount", amount, false);
        Long targetUnits = target == null ? null : units(type, "target", target, false);
        if (targetUnits != null && targetUnits <= thresholdUnits) {
            throw new ValidationException("target", "must be above the threshold");
        }
        int perDay = maxPerDay == null ? MAX_PER_DAY_DEFAULT : maxPerDay;
        if (perDay < MAX_PER_DAY_MIN || perDay > MAX_PER_DAY_MAX) {
            throw new ValidationException("max_per_day", "must be " + MAX_PER_DAY_MIN + ".."
                    + MAX_PER_DAY_MAX);
        }
        if (product != null && (product.isEmpty() || product.length() > PRODUCT_LENGTH_MAX)) {
            throw new ValidationException("product", "must be 1.." + PRODUCT_LENGTH_MAX
                    + " characters");
        }
        Json.requireText("product", product);
        Instant now = credits.now();
        Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into topup_rules"
                    + " (customer_id, credit_type, enabled, threshold, amount, target, product,"
                    + " max_per_day, failures_in_row, created_at, updated_at)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
                    + " on conflict (customer_id, credit_type) do update set"
                    + " enabled = excluded.enabled, threshold = excluded.threshold,"
                    + " amount = excluded.amount, target = excluded.target,"
                    + " product = excluded.product, max_per_day = excluded.max_per_day,"
                    + " failures_in_row = 0, updated_at = excluded.updated_at")) {
                ps.setString(1, customerId);
                ps.setString(2, type.id());
                ps.setBoolean(3, enabled);
                ps.setLong(4, thresholdUnits);
                Jdbc.setLongOrNull(ps, 5, amountUnits);
                Jdbc.setLongOrNull(ps, 6, targetUnits);
                ps.setString(7, product);
                ps.setInt(8, perDay);
                Jdbc.setInstant(ps, 9, now);
                Jdbc.setInstant(ps, 10, now);
                ps.executeUpdate();
            }
            return null;
        });
        return rule(customerId, creditType);
    }

    /** The wallet's rule; {@link NotFoundException} when it has none. */
    public Rule rule(String customerId, String creditType) {
        CustomerIds.requireValid(customerId);
        CreditType type = credits.creditTypes().require(creditType);
        Rule rule = Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("select enabled, threshold, amount,"
                    + " target, product, max_per_day, failures_in_row, created_at, updated_at"
                    + " from topup_rules where customer_id = ? and credit_type = ?")) {
                ps.setString(1, customerId);
                ps.setString(2, type.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    Long amount = Jdbc.getLongOrNull(rs, "amount");
                    Long target = Jdbc.getLongOrNull(rs, "target");
                    return new Rule(customerId, type.id(), rs.getBoolean("enabled"),
                            type.amount(rs.getLong("threshold")),
                            amount == null ? null : type.amount(amount),
                            target == null ? null : type.amount(target),
                            rs.getString("product"), rs.getInt("max_per_day"),
                            rs.getInt("failures_in_row"), Jdbc.getInstant(rs, "created_at"),
                            Jdbc.getInstant(rs, "updated_at"));
                }
            }
        });
        if (rule == null) {
            throw new NotFoundException("no auto top-up rule for " + customerId + " "
                    + creditType);
        }
        return rule;
    }

    /** Removes the wallet's rule; {@link NotFoundException} when it has none. */
    public void delete(String customerId, String creditType) {
        CustomerIds.requireValid(customerId);
        CreditType type = credits.creditTypes().require(creditType);
        boolean deleted = Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from topup_rules"
                    + " where customer_id = ? and credit_type = ?")) {
                ps.setString(1, customerId);
                ps.setString(2, type.id());
                return ps.executeUpdate() == 1;
            }
        });
        if (!deleted) {
            throw new NotFoundException("no auto top-up rule for " + customerId + " "
                    + creditType);
        }
    }

    private static long units(CreditType type, String field, String text, boolean zeroOk) {
        if (text == null) {
            throw new ValidationException(field, "is required");
        }
        Amount amount = type.parse(text);
        if (amount.units() < 0 || (!zeroOk && amount.units() == 0)) {
            throw new ValidationException(field, zeroOk ? "must not be negative"
                    : "must be greater than zero");
        }
        return amount.units();
    }

    // ---- requests, decided where events are fanned out

    /**
     * Requests a top-up for each of {@code wallets} whose enabled rule's threshold its available
     * balance is below, unless one is in flight or the day's are used up; in the caller's
     * transaction (the fan-out's). Rules are locked in key order.
     */
    static void requestDue(Connection c, List<WalletKey> wallets, Instant now,
                           dev.credits.CreditTypes types) throws SQLException {
        if (wallets.isEmpty()) {
            return;
        }
        // The rules first, locked in key order; the balances are read after the lock is held.
        List<Object[]> rules = new java.util.ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select r.customer_id, r.credit_type,"
                + " r.threshold, r.amount, r.target, r.product, r.max_per_day"
                + " from topup_rules r join unnest(?::text[], ?::text[]) as k(c, t)"
                + " on r.customer_id = k.c and r.credit_type = k.t"
                + " where r.enabled order by r.customer_id, r.credit_type for update of r")) {
            ps.setArray(1, c.createArrayOf("text", wallets.stream().map(WalletKey::customerId)
                    .toArray()));
            ps.setArray(2, c.createArrayOf("text", wallets.stream().map(WalletKey::creditType)
                    .toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rules.add(new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3),
                            Jdbc.getLongOrNull(rs, "amount"), Jdbc.getLongOrNull(rs, "target"),
                            rs.getString("product"), rs.getInt("max_per_day")});
                }
            }
        }
        for (Object[] r : rules) {
            String customerId = (String) r[0];
            String creditType = (String) r[1];
            long threshold = (long) r[2];
            Long available = available(c, customerId, creditType);
            if (available == null || available >= threshold) {
                continue;
            }
            Long amount = (Long) r[3];
            long units;
            try {
                units = amount != null ? amount : Math.subtractExact((Long) r[4], available);
            } catch (ArithmeticException e) {
                continue; // a target no wallet can be brought up to: nothing to request
            }
            if (units <= 0) {
                continue;
            }
            request(c, customerId, creditType, units, threshold, available, (String) r[5],
                    (int) r[6], now, types);
        }
    }

    /** The wallet's available balance as stored (balance less held); null for no wallet. */
    private static Long available(Connection c, String customerId, String creditType)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select balance - held from wallets"
                + " where customer_id = ? and credit_type = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, creditType);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static void request(Connection c, String customerId, String creditType, long units,
                                long threshold, long available, String product, int maxPerDay,
                                Instant now, dev.credits.CreditTypes types) throws SQLException {
        CreditType type = types.require(creditType);
        // A request nobody completed or failed within REQUEST_LIFETIME has lapsed: it no longer
        // blocks the wallet, and topup.failed says so.
        try (PreparedStatement ps = c.prepareStatement("update topups set status = 'failed',"
                + " reason = 'lapsed: neither completed nor failed in time', finished_at = ?"
                + " where customer_id = ? and credit_type = ? and status = 'requested'"
                + " and created_at < ? returning id, amount")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, customerId);
            ps.setString(3, creditType);
            Jdbc.setInstant(ps, 4, now.minus(REQUEST_LIFETIME));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("topup_id", rs.getString(1));
                    event.put("amount", type.amount(rs.getLong(2)).toString());
                    event.put("reason", "lapsed");
                    event.put("rule_disabled", false);
                    Outbox.append(c, customerId, creditType, FAILED, event, now);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("select count(*) filter (where status in"
                + " ('requested', 'completing')), count(*) filter (where created_at > ?)"
                + " from topups where customer_id = ? and credit_type = ?")) {
            Jdbc.setInstant(ps, 1, now.minus(Duration.ofDays(1)));
            ps.setString(2, customerId);
            ps.setString(3, creditType);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0 || rs.getLong(2) >= maxPerDay) {
                    return;
                }
            }
        }
        String id = Ids.withPrefix(ID_PREFIX);
        try (PreparedStatement ps = c.prepareStatement("insert into topups (customer_id, id,"
                + " credit_type, amount, status, created_at) values (?, ?, ?, ?, 'requested',"
                + " ?) on conflict do nothing")) {
            ps.setString(1, customerId);
            ps.setString(2, id);
            ps.setString(3, creditType);
            ps.setLong(4, units);
            Jdbc.setInstant(ps, 5, now);
            if (ps.executeUpdate() != 1) {
                return; // another request is in flight (the one-in-flight index)
            }
        }
        // A request is a promise to a payment integration: it must survive a crash, unlike
        // the rest of the fan-out's bookkeeping, so this transaction waits for the disk.
        try (PreparedStatement ps = c.prepareStatement("set local synchronous_commit = on")) {
            ps.execute();
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("topup_id", id);
        event.put("amount", type.amount(units).toString());
        event.put("threshold", type.amount(threshold).toString());
        event.put("available", type.amount(available).toString());
        event.put("product", product);
        Outbox.append(c, customerId, creditType, REQUESTED, event, now);
    }

    // ---- completing and failing

    public Topup topup(String id) {
        Topup topup = id == null ? null : Jdbc.inTransaction(dataSource, c -> find(c, id, false));
        if (topup == null) {
            throw new NotFoundException("top-up " + id + " not found");
        }
        return topup;
    }

    /**
     * Completes a requested top-up with the payment that paid for it: grants its amount (source
     * {@code purchase}) once, however often this is called. Calling it again with the same
     * reference answers the completed top-up; another reference is
     * {@link IdempotencyConflictException}; a failed top-up is {@link InvalidStateException}.
     */
    public Topup complete(String id, String paymentReference) {
        return complete(id, paymentReference, null);
    }

    /**
     * {@link #complete(String, String)} with what the payment was: the grant's cost basis
     * (docs/revenue.md); null for none.
     */
    public Topup complete(String id, String paymentReference, dev.credits.Money costBasis) {
        if (paymentReference == null || paymentReference.isBlank()
                || paymentReference.length() > TEXT_LENGTH_MAX
                || paymentReference.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new ValidationException("payment_reference", "is required: 1.."
                    + TEXT_LENGTH_MAX + " characters, not blank, no control characters");
        }
        Json.requireText("payment_reference", paymentReference);
        Topup claimed = Jdbc.inTransaction(dataSource, c -> {
            Topup topup = find(c, id, true);
            if (topup == null) {
                throw new NotFoundException("top-up " + id + " not found");
            }
            switch (topup.status()) {
                case "failed" -> throw new InvalidStateException("top-up " + id
                        + " has failed; it cannot be completed");
                case "requested" -> {
                    try (PreparedStatement ps = c.prepareStatement("update topups set status ="
                            + " 'completing', payment_reference = ? where customer_id = ?"
                            + " and id = ?")) {
                        ps.setString(1, paymentReference);
                        ps.setString(2, topup.customerId());
                        ps.setString(3, id);
                        ps.executeUpdate();
                    }
                    return topup;
                }
                default -> {
                    if (!paymentReference.equals(topup.paymentReference())) {
                        throw new IdempotencyConflictException("payment_reference");
                    }
                    return topup;
                }
            }
        });
        if (claimed.status().equals("succeeded")) {
            return claimed;
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("topup_id", id);
        metadata.put("payment_reference", paymentReference);
        GrantRecord grant = credits.run(new Command.Grant(new WalletKey(claimed.customerId(),
                claimed.creditType()), claimed.amount().units(), GrantSource.PURCHASE,
                Command.PRIORITY_DEFAULT, null, null, "auto top-up " + id,
                Json.metadata(metadata), IdempotencyKeys.derived("topup:" + id), costBasis));
        Instant now = credits.now();
        Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("update topups set status ="
                    + " 'succeeded', grant_id = ?, finished_at = ? where customer_id = ?"
                    + " and id = ? and status = 'completing'")) {
                ps.setString(1, grant.id());
                Jdbc.setInstant(ps, 2, now);
                ps.setString(3, claimed.customerId());
                ps.setString(4, id);
                if (ps.executeUpdate() == 1) {
                    resetFailures(c, claimed, now);
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("topup_id", id);
                    event.put("amount", claimed.amount().toString());
                    event.put("grant_id", grant.id());
                    event.put("payment_reference", paymentReference);
                    Outbox.append(c, claimed.customerId(), claimed.creditType(), SUCCEEDED, event,
                            now);
                }
            }
            return null;
        });
        return topup(id);
    }

    /**
     * Fails a requested top-up (the payment was declined, say). The third failure in a row
     * disables the wallet's rule; {@code topup.failed} says whether it did. Failing it again
     * answers the failed top-up; a completing or completed one is {@link InvalidStateException}.
     */
    public Topup fail(String id, String reason) {
        if (reason != null && reason.length() > TEXT_LENGTH_MAX) {
            throw new ValidationException("reason", "must be at most " + TEXT_LENGTH_MAX
                    + " characters");
        }
        Json.requireText("reason", reason);
        Instant now = credits.now();
        Jdbc.inTransaction(dataSource, c -> {
            Topup topup = find(c, id, true);
            if (topup == null) {
                throw new NotFoundException("top-up " + id + " not found");
            }
            if (topup.status().equals("failed")) {
                return null;
            }
            if (!topup.status().equals("requested")) {
                throw new InvalidStateException("top-up " + id + " is " + topup.status()
                        + "; it cannot fail now");
            }
            try (PreparedStatement ps = c.prepareStatement("update topups set status ="
                    + " 'failed', reason = ?, finished_at = ? where customer_id = ? and id = ?")) {
                ps.setString(1, reason);
                Jdbc.setInstant(ps, 2, now);
                ps.setString(3, topup.customerId());
                ps.setString(4, id);
                ps.executeUpdate();
            }
            int failures = 0;
            boolean disabled = false;
            boolean wasEnabled = false;
            try (PreparedStatement ps = c.prepareStatement("select enabled from topup_rules"
                    + " where customer_id = ? and credit_type = ? for update")) {
                ps.setString(1, topup.customerId());
                ps.setString(2, topup.creditType());
                try (ResultSet rs = ps.executeQuery()) {
                    wasEnabled = rs.next() && rs.getBoolean(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("update topup_rules set"
                    + " failures_in_row = failures_in_row + 1, enabled = enabled and"
                    + " failures_in_row + 1 < ?, updated_at = ? where customer_id = ?"
                    + " and credit_type = ? returning failures_in_row, enabled")) {
                ps.setInt(1, FAILURES_MAX);
                Jdbc.setInstant(ps, 2, now);
                ps.setString(3, topup.customerId());
                ps.setString(4, topup.creditType());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        failures = rs.getInt(1);
                        disabled = wasEnabled && !rs.getBoolean(2); // this failure disabled it
                    }
                }
            }
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("topup_id", id);
            event.put("amount", topup.amount().toString());
            event.put("reason", reason);
            event.put("failures_in_row", failures);
            event.put("rule_disabled", disabled);
            Outbox.append(c, topup.customerId(), topup.creditType(), FAILED, event, now);
            return null;
        });
        return topup(id);
    }

    private static void resetFailures(Connection c, Topup topup, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update topup_rules set"
                + " failures_in_row = 0 where customer_id = ? and credit_type = ?")) {
            ps.setString(1, topup.customerId());
            ps.setString(2, topup.creditType());
            ps.executeUpdate();
        }
    }

    private Topup find(Connection c, String id, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select customer_id, id, credit_type,"
                + " amount, status, payment_reference, reason, grant_id, created_at,"
                + " finished_at from topups where id = ?" + (lock ? " for update" : ""))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                CreditType type = credits.creditTypes().require(rs.getString("credit_type"));
                return new Topup(rs.getString("id"), rs.getString("customer_id"), type.id(),
                        type.amount(rs.getLong("amount")), rs.getString("status"),
                        rs.getString("payment_reference"), rs.getString("reason"),
                        rs.getString("grant_id"), Jdbc.getInstant(rs, "created_at"),
                        Jdbc.getInstant(rs, "finished_at"));
            }
        }
    }
}
