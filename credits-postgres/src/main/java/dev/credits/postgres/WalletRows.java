package dev.credits.postgres;

import dev.credits.CreditTypes;
import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import dev.credits.HoldStatus;
import dev.credits.OverdraftLimit;
import dev.credits.internal.GrantState;
import dev.credits.internal.HoldState;
import dev.credits.internal.RevenueEntry;
import dev.credits.internal.TransactionEntry;
import dev.credits.internal.WalletKey;
import dev.credits.internal.WalletState;
import dev.credits.event.CreditsEvent;
import dev.credits.spi.LedgerStore.StoredEvent;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The SQL that loads wallets' state under lock and writes what a batch changed. */
final class WalletRows {
    static final String GRANT_COLUMNS = "customer_id, credit_type, id, transaction_id,"
            + " amount, remaining, source, priority, effective_at, expires_at, status, reason,"
            + " metadata::text as metadata, created_at, expiring_notice_at, cost_basis,"
            + " cost_currency";
    private static final String HOLD_COLUMNS = "customer_id, credit_type, id, amount, captured,"
            + " status, feature, metadata::text as metadata, expires_at, created_at,"
            + " transaction_id";

    private final CreditTypes types;

    WalletRows(CreditTypes types) {
        this.types = types;
    }

    /**
     * Locks the wallets in key order and loads their state. Wallets used for the first time are
     * created first ({@code ON CONFLICT DO NOTHING}, so concurrent first uses do not race).
     */
    Map<WalletKey, WalletState> lockAndLoad(Connection c, Collection<WalletKey> keys, Instant now)
            throws SQLException {
        List<WalletKey> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        Map<WalletKey, WalletState> states = new TreeMap<>();
        lockExisting(c, sorted, states);
        if (states.size() < sorted.size()) {
            List<WalletKey> missing = new ArrayList<>();
            for (WalletKey key : sorted) {
                if (!states.containsKey(key)) {
                    missing.add(key);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("insert into wallets (customer_id,"
                    + " credit_type, created_at, updated_at) select k.c, k.t, ?, ? from"
                    + " unnest(?::text[], ?::text[]) as k(c, t) order by 1, 2"
                    + " on conflict do nothing")) {
                Jdbc.setInstant(ps, 1, now);
                Jdbc.setInstant(ps, 2, now);
                ps.setArray(3, texts(c, missing, WalletKey::customerId));
                ps.setArray(4, texts(c, missing, WalletKey::creditType));
                ps.executeUpdate();
            }
            lockExisting(c, missing, states);
        }
        if (states.size() != sorted.size()) {
            throw new IllegalStateException("locked " + states.size() + " of " + sorted.size()
                    + " wallets");
        }
        // "= any" keeps the index scan in the generic plan of a prepared statement (a semi-join
        // on unnest() did not); rows of other wallets of the same customers are skipped on read.
        Array customerArray = c.createArrayOf("text",
                sorted.stream().map(WalletKey::customerId).distinct().toArray());
        Array typeArray = c.createArrayOf("text",
                sorted.stream().map(WalletKey::creditType).distinct().toArray());
        loadGrants(c, states, "status in ('active', 'scheduled') and customer_id = any(?)"
                + " and credit_type = any(?)", customerArray, typeArray);
        if (states.values().stream().anyMatch(w -> w.held != 0)) {
            // held is the sum of active holds: a wallet holding nothing has none to load.
            loadHolds(c, states, "status = 'held' and customer_id = any(?)"
                    + " and credit_type = any(?)", customerArray, typeArray);
        }
        return states;
    }

    private void lockExisting(Connection c, List<WalletKey> sorted,
                              Map<WalletKey, WalletState> states) throws SQLException {
        // "= any" keeps an index scan in the generic plan; it may also lock a wallet of the same
        // customers in another credit type of the batch, which is harmless (still in key order).
        try (PreparedStatement ps = c.prepareStatement("select customer_id, credit_type,"
                + " balance, debt, held, overdraft_limit, sequence, alert_thresholds,"
                + " alerts_below, depleted from wallets"
                + " where customer_id = any(?) and credit_type = any(?)"
                + " order by customer_id, credit_type for update")) {
            ps.setArray(1, c.createArrayOf("text",
                    sorted.stream().map(WalletKey::customerId).distinct().toArray()));
            ps.setArray(2, c.createArrayOf("text",
                    sorted.stream().map(WalletKey::creditType).distinct().toArray()));
            java.util.Set<WalletKey> wanted = new java.util.HashSet<>(sorted);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    WalletKey key = new WalletKey(rs.getString(1), rs.getString(2));
                    if (!wanted.contains(key)) {
                        continue;
                    }
                    Long limit = Jdbc.getLongOrNull(rs, "overdraft_limit");
                    WalletState state = new WalletState(key, types.require(key.creditType()),
                            rs.getLong("balance"), rs.getLong("debt"), rs.getLong("held"),
                            limit == null ? null : OverdraftLimit.fromStoredUnits(limit));
                    state.sequence = rs.getLong("sequence");
                    Array own = rs.getArray("alert_thresholds");
                    state.alertThresholdsOverride = own == null ? null
                            : List.of((Long[]) own.getArray());
                    state.alertsBelow.addAll(List.of((Long[]) rs.getArray("alerts_below")
                            .getArray()));
                    state.depleted = rs.getBoolean("depleted");
                    states.put(key, state);
                }
            }
        }
    }

    /** A PostgreSQL array literal of numbers: {@code {1000,100}}. */
    private static String arrayText(java.util.Collection<Long> values) {
        StringBuilder text = new StringBuilder("{");
        for (Long value : values) {
            text.append(text.length() == 1 ? "" : ",").append(value);
        }
        return text.append('}').toString();
    }

    private static <T> Array texts(Connection c, List<T> items,
                                   java.util.function.Function<T, String> field)
            throws SQLException {
        return c.createArrayOf("text", items.stream().map(field).toArray());
    }

    /** Loads grants by id (any status) into their already-locked wallets. */
    void loadGrantsById(Connection c, Map<WalletKey, WalletState> states, List<String> ids)
            throws SQLException {
        if (!ids.isEmpty()) {
            loadGrants(c, states, "id = any(?)", c.createArrayOf("text", ids.toArray()), null);
        }
    }

    void loadHoldsById(Connection c, Map<WalletKey, WalletState> states, List<String> ids)
            throws SQLException {
        if (!ids.isEmpty()) {
            loadHolds(c, states, "id = any(?)", c.createArrayOf("text", ids.toArray()), null);
        }
    }

    private void loadGrants(Connection c, Map<WalletKey, WalletState> states, String where,
                            Array first, Array second) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select " + GRANT_COLUMNS + " from grants where " + where)) {
            ps.setArray(1, first);
            if (second != null) {
                ps.setArray(2, second);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    WalletState wallet = states.get(new WalletKey(rs.getString("customer_id"),
                            rs.getString("credit_type")));
                    if (wallet == null || wallet.grants.containsKey(rs.getString("id"))) {
                        continue;
                    }
                    GrantState grant = readGrant(rs);
                    wallet.grants.put(grant.id, grant);
                }
            }
        }
    }

    static GrantState readGrant(ResultSet rs) throws SQLException {
        GrantState grant = new GrantState(rs.getString("id"), rs.getString("transaction_id"),
                rs.getLong("amount"), rs.getLong("remaining"),
                GrantSource.valueOf(rs.getString("source").toUpperCase(Locale.ROOT)),
                rs.getInt("priority"), Jdbc.getInstant(rs, "effective_at"),
                Jdbc.getInstant(rs, "expires_at"),
                GrantStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getString("reason"), rs.getString("metadata"), Jdbc.getInstant(rs, "created_at"),
                false);
        grant.expiringNoticeAt = Jdbc.getInstant(rs, "expiring_notice_at");
        grant.costMinor = Jdbc.getLongOrNull(rs, "cost_basis");
        grant.costCurrency = rs.getString("cost_currency");
        return grant;
    }

    private void loadHolds(Connection c, Map<WalletKey, WalletState> states, String where,
                           Array first, Array second) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select " + HOLD_COLUMNS + " from holds where " + where)) {
            ps.setArray(1, first);
            if (second != null) {
                ps.setArray(2, second);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    WalletState wallet = states.get(new WalletKey(rs.getString("customer_id"),
                            rs.getString("credit_type")));
                    if (wallet == null || wallet.holds.containsKey(rs.getString("id"))) {
                        continue;
                    }
                    HoldState hold = readHold(rs);
                    wallet.holds.put(hold.id, hold);
                }
            }
        }
    }

    static HoldState readHold(ResultSet rs) throws SQLException {
        return new HoldState(rs.getString("id"), rs.getLong("amount"), rs.getLong("captured"),
                HoldStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getString("feature"), rs.getString("metadata"),
                Jdbc.getInstant(rs, "expires_at"), Jdbc.getInstant(rs, "created_at"),
                rs.getString("transaction_id"), false);
    }

    /** Writes every change of the given wallets; returns the events with their outbox seq. */
    List<StoredEvent> save(Connection c, Collection<WalletState> wallets, Instant now)
            throws SQLException {
        saveWallets(c, wallets, now);
        saveGrants(c, wallets, now);
        saveHolds(c, wallets, now);
        saveTransactions(c, wallets);
        saveRevenue(c, wallets);
        return saveEvents(c, wallets, now);
    }

    private void saveWallets(Connection c, Collection<WalletState> wallets, Instant now)
            throws SQLException {
        List<WalletState> dirty = wallets.stream()
                .filter(w -> w.walletDirty || !w.events.isEmpty()).toList();
        if (dirty.isEmpty()) {
            return;
        }
        // One statement for the batch: the new values as arrays, joined on the key.
        // Arrays of a wallet (its thresholds) travel as text, one element per wallet.
        try (PreparedStatement ps = c.prepareStatement("update wallets w set balance = v.b,"
                + " debt = v.d, held = v.h, overdraft_limit = v.l, sequence = v.s,"
                + " alert_thresholds = v.a::bigint[], alerts_below = v.w::bigint[],"
                + " depleted = v.x, updated_at = ?"
                + " from unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[],"
                + " ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::boolean[])"
                + " as v(c, t, b, d, h, l, s, a, w, x)"
                + " where w.customer_id = v.c and w.credit_type = v.t"
                + " and w.customer_id = any(?)")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setArray(2, texts(c, dirty, w -> w.key.customerId()));
            ps.setArray(3, texts(c, dirty, w -> w.key.creditType()));
            ps.setArray(4, c.createArrayOf("bigint", dirty.stream().map(w -> w.balance).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", dirty.stream().map(w -> w.debt).toArray()));
            ps.setArray(6, c.createArrayOf("bigint", dirty.stream().map(w -> w.held).toArray()));
            ps.setArray(7, c.createArrayOf("bigint", dirty.stream().map(w -> w.overdraftOverride
                    == null ? null : w.overdraftOverride.toStoredUnits()).toArray()));
            ps.setArray(8, c.createArrayOf("bigint",
                    dirty.stream().map(WalletState::sequenceAfter).toArray()));
            ps.setArray(9, texts(c, dirty, w -> w.alertThresholdsOverride == null ? null
                    : arrayText(w.alertThresholdsOverride)));
            ps.setArray(10, texts(c, dirty, w -> arrayText(w.alertsBelow)));
            ps.setArray(11, c.createArrayOf("boolean",
                    dirty.stream().map(w -> w.depleted).toArray()));
            ps.setArray(12, texts(c, dirty, w -> w.key.customerId()));
            int updated = ps.executeUpdate();
            if (updated != dirty.size()) {
                throw new IllegalStateException("updated " + updated + " of " + dirty.size()
                        + " wallets");
            }
        }
    }

    private void saveGrants(Connection c, Collection<WalletState> wallets, Instant now)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into grants (customer_id,"
                + " credit_type, id, transaction_id, amount, remaining, source, priority,"
                + " effective_at, expires_at, status, reason, metadata, created_at, updated_at,"
                + " expiring_notice_at, cost_basis, cost_currency)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)");
             PreparedStatement update = c.prepareStatement("update grants g set remaining = v.r,"
                     + " status = v.s, expiring_notice_at = v.n::timestamptz, updated_at = ?"
                     + " from unnest(?::text[], ?::text[], ?::bigint[], ?::text[],"
                     + " ?::text[]) as v(c, id, r, s, n)"
                     + " where g.customer_id = v.c and g.id = v.id and g.id = any(?)")) {
            List<String> customers = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<Long> remaining = new ArrayList<>();
            List<String> statuses = new ArrayList<>();
            List<String> notices = new ArrayList<>(); // ISO-8601 with Z: no time zone guessed
            for (WalletState w : wallets) {
                for (GrantState g : w.grants.values()) {
                    if (g.isNew) {
                        insert.setString(1, w.key.customerId());
                        insert.setString(2, w.key.creditType());
                        insert.setString(3, g.id);
                        insert.setString(4, g.transactionId);
                        insert.setLong(5, g.amount);
                        insert.setLong(6, g.remaining);
                        insert.setString(7, g.source.wireName());
                        insert.setInt(8, g.priority);
                        Jdbc.setInstant(insert, 9, g.effectiveAt);
                        Jdbc.setInstant(insert, 10, g.expiresAt);
                        insert.setString(11, g.status.wireName());
                        insert.setString(12, g.reason);
                        insert.setString(13, g.metadataJson);
                        Jdbc.setInstant(insert, 14, g.createdAt);
                        Jdbc.setInstant(insert, 15, now);
                        Jdbc.setInstant(insert, 16, g.expiringNoticeAt);
                        Jdbc.setLongOrNull(insert, 17, g.costMinor);
                        insert.setString(18, g.costCurrency);
                        insert.addBatch();
                    } else if (g.dirty) {
                        customers.add(w.key.customerId());
                        ids.add(g.id);
                        remaining.add(g.remaining);
                        statuses.add(g.status.wireName());
                        notices.add(g.expiringNoticeAt == null ? null
                                : g.expiringNoticeAt.toString());
                    }
                }
            }
            insert.executeBatch();
            if (!ids.isEmpty()) {
                Jdbc.setInstant(update, 1, now);
                update.setArray(2, c.createArrayOf("text", customers.toArray()));
                update.setArray(3, c.createArrayOf("text", ids.toArray()));
                update.setArray(4, c.createArrayOf("bigint", remaining.toArray()));
                update.setArray(5, c.createArrayOf("text", statuses.toArray()));
                update.setArray(6, c.createArrayOf("text", notices.toArray()));
                update.setArray(7, c.createArrayOf("text", ids.toArray()));
                update.executeUpdate();
            }
        }
    }

    private void saveHolds(Connection c, Collection<WalletState> wallets, Instant now)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into holds (customer_id,"
                + " credit_type, id, amount, captured, status, feature, metadata, expires_at,"
                + " transaction_id, created_at, updated_at)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)");
             PreparedStatement update = c.prepareStatement("update holds set captured = ?,"
                     + " status = ?, transaction_id = ?, updated_at = ?"
                     + " where customer_id = ? and id = ?")) {
            for (WalletState w : wallets) {
                for (HoldState h : w.holds.values()) {
                    if (h.isNew) {
                        insert.setString(1, w.key.customerId());
                        insert.setString(2, w.key.creditType());
                        insert.setString(3, h.id);
                        insert.setLong(4, h.amount);
                        insert.setLong(5, h.captured);
                        insert.setString(6, h.status.wireName());
                        insert.setString(7, h.feature);
                        insert.setString(8, h.metadataJson);
                        Jdbc.setInstant(insert, 9, h.expiresAt);
                        insert.setString(10, h.transactionId);
                        Jdbc.setInstant(insert, 11, h.createdAt);
                        Jdbc.setInstant(insert, 12, now);
                        insert.addBatch();
                    } else if (h.dirty) {
                        update.setLong(1, h.captured);
                        update.setString(2, h.status.wireName());
                        update.setString(3, h.transactionId);
                        Jdbc.setInstant(update, 4, now);
                        update.setString(5, w.key.customerId());
                        update.setString(6, h.id);
                        update.addBatch();
                    }
                }
            }
            insert.executeBatch();
            update.executeBatch();
        }
    }

    private void saveTransactions(Connection c, Collection<WalletState> wallets)
            throws SQLException {
        try (PreparedStatement txn = c.prepareStatement("insert into transactions (customer_id,"
                + " id, credit_type, type, source, grant_id, hold_id, amount, balance_after,"
                + " feature, reason, metadata, allocations, created_at, effective_at,"
                + " contra_account)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)")) {
            for (WalletState w : wallets) {
                for (TransactionEntry e : w.transactions) {
                    txn.setString(1, w.key.customerId());
                    txn.setString(2, e.id());
                    txn.setString(3, w.key.creditType());
                    txn.setString(4, e.type().wireName());
                    txn.setString(5, e.source() == null ? null : e.source().wireName());
                    txn.setString(6, e.grantId());
                    txn.setString(7, e.holdId());
                    txn.setLong(8, e.amountUnits());
                    txn.setLong(9, e.balanceAfterUnits());
                    txn.setString(10, e.feature());
                    txn.setString(11, e.reason());
                    txn.setString(12, e.metadataJson());
                    txn.setString(13, Codec.write(e.allocations()));
                    Jdbc.setInstant(txn, 14, e.createdAt());
                    Jdbc.setInstant(txn, 15, e.effectiveAt());
                    txn.setString(16, e.contraAccount());
                    txn.addBatch();
                }
            }
            txn.executeBatch();
        }
    }

    /** The batch's shares of cost bases, in one statement. */
    private static void saveRevenue(Connection c, Collection<WalletState> wallets)
            throws SQLException {
        List<String> customers = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<String> txns = new ArrayList<>();
        List<String> grants = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        List<String> currencies = new ArrayList<>();
        List<Long> amounts = new ArrayList<>();
        List<String> ats = new ArrayList<>();
        for (WalletState w : wallets) {
            for (RevenueEntry e : w.revenue) {
                customers.add(w.key.customerId());
                types.add(w.key.creditType());
                txns.add(e.transactionId());
                grants.add(e.grantId());
                kinds.add(e.kind());
                currencies.add(e.currency());
                amounts.add(e.minor());
                ats.add(e.at().toString());
            }
        }
        if (customers.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into revenue_entries"
                + " (customer_id, credit_type, transaction_id, grant_id, kind, currency, amount,"
                + " at) select v.c, v.t, v.x, v.g, v.k, v.cur, v.a, v.at::timestamptz"
                + " from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
                + " ?::text[], ?::bigint[], ?::text[]) with ordinality"
                + " as v(c, t, x, g, k, cur, a, at, i) order by v.i")) {
            ps.setArray(1, c.createArrayOf("text", customers.toArray()));
            ps.setArray(2, c.createArrayOf("text", types.toArray()));
            ps.setArray(3, c.createArrayOf("text", txns.toArray()));
            ps.setArray(4, c.createArrayOf("text", grants.toArray()));
            ps.setArray(5, c.createArrayOf("text", kinds.toArray()));
            ps.setArray(6, c.createArrayOf("text", currencies.toArray()));
            ps.setArray(7, c.createArrayOf("bigint", amounts.toArray()));
            ps.setArray(8, c.createArrayOf("text", ats.toArray()));
            ps.executeUpdate();
        }
    }

    private List<StoredEvent> saveEvents(Connection c, Collection<WalletState> wallets,
                                         Instant now) throws SQLException {
        List<CreditsEvent> events = new ArrayList<>();
        List<String> customers = new ArrayList<>();
        List<String> creditTypes = new ArrayList<>();
        List<Long> sequences = new ArrayList<>();
        for (WalletState w : wallets) {
            for (int i = 0; i < w.events.size(); i++) {
                events.add(w.events.get(i));
                customers.add(w.key.customerId());
                creditTypes.add(w.key.creditType());
                sequences.add(w.sequenceOf(i));
            }
        }
        List<StoredEvent> stored = new ArrayList<>(events.size());
        if (events.isEmpty()) {
            return stored;
        }
        // One statement for the whole batch; seq follows the array order.
        try (PreparedStatement ps = c.prepareStatement("insert into outbox (customer_id,"
                + " credit_type, event_type, payload, created_at, sequence)"
                + " select e.c, e.t, e.n, e.p::jsonb, ?, e.s from unnest(?::text[], ?::text[],"
                + " ?::text[], ?::text[], ?::bigint[]) with ordinality as e(c, t, n, p, s, i)"
                + " order by e.i returning seq")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setArray(2, c.createArrayOf("text", customers.toArray()));
            ps.setArray(3, c.createArrayOf("text", creditTypes.toArray()));
            ps.setArray(4, c.createArrayOf("text",
                    events.stream().map(CreditsEvent::name).toArray()));
            ps.setArray(5, c.createArrayOf("text", events.stream().map(Codec::write).toArray()));
            ps.setArray(6, c.createArrayOf("bigint", sequences.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                int i = 0;
                while (rs.next()) {
                    stored.add(new StoredEvent(rs.getLong(1), events.get(i++)));
                }
            }
        }
        return stored;
    }
}
