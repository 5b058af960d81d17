package dev.credits.postgres;

import dev.credits.Amount;
import dev.credits.CreditTypes;
import dev.credits.GrantRecord;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.StorageUnavailableException;
import dev.credits.VerifyReport;
import dev.credits.WalletBalance;
import dev.credits.internal.Command;
import dev.credits.internal.LedgerBatch;
import dev.credits.internal.WalletKey;
import dev.credits.internal.WalletState;
import dev.credits.spi.LedgerStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger on PostgreSQL. A batch of commands is one transaction: resolve the wallets of
 * commands addressed by id, lock every wallet in key order ({@code SELECT … FOR UPDATE}), load
 * their active grants and holds and the idempotency keys in play, run the core's
 * {@link LedgerBatch} (which decides everything), write the rows it returns, commit.
 * Several processes on one database stay correct because every change happens under the wallet's
 * row lock. Deadlocks and unique-key races (two first uses of an idempotency key) are retried.
 */
final class PostgresLedgerStore implements LedgerStore {
    static final int ATTEMPTS_MAX = 8;
    private static final Logger LOG = LoggerFactory.getLogger(PostgresLedgerStore.class);

    private final Database database;
    private final DataSource writeDataSource;
    private final WalletRows rows;
    private final LedgerQueries queries;

    PostgresLedgerStore(Database database, CreditTypes types) {
        this.database = database;
        this.writeDataSource = database.writeDataSource();
        this.rows = new WalletRows(types);
        this.queries = new LedgerQueries(database.dataSource(), types);
    }

    Database database() {
        return database;
    }

    @Override
    public BatchResult execute(List<Command<?>> commands, Instant now) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = writeDataSource.getConnection()) {
                c.setAutoCommit(false);
                BatchResult result;
                try {
                    result = executeOnce(c, commands, now);
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c, e);
                    throw e;
                }
                try {
                    c.commit();
                } catch (SQLException e) {
                    // The commit may or may not have happened: never run the batch again.
                    throw new StorageUnavailableException("the database connection failed while"
                            + " committing, so the outcome is unknown; retry with the same"
                            + " idempotency key", e);
                }
                return result;
            } catch (SQLException e) {
                if (isRetryable(e) && attempt < ATTEMPTS_MAX) {
                    LOG.debug("retrying batch after {}", e.getSQLState());
                    continue;
                }
                throw translate(e);
            }
        }
    }

    /**
     * Rolls back after a failure. On a dead connection the rollback fails too; the first error
     * is the one that says what happened (e.g. the database went away), so it is kept.
     */
    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    /**
     * Loads what the core's batch step needs, runs it, and writes what it returns. No ledger
     * rule is decided here: see {@link LedgerBatch}.
     */
    private BatchResult executeOnce(Connection c, List<Command<?>> commands, Instant now)
            throws SQLException {
        List<String> holdIds = LedgerBatch.holdIds(commands);
        List<String> grantIds = LedgerBatch.grantIds(commands);
        List<WalletKey> targets = LedgerBatch.targets(commands, walletsOf(c, holdIds, "holds"),
                walletsOf(c, grantIds, "grants"));
        Set<WalletKey> keys = LedgerBatch.walletsToLock(targets);
        Map<WalletKey, WalletState> states = keys.isEmpty() ? Map.of()
                : rows.lockAndLoad(c, keys, now);
        rows.loadHoldsById(c, states, holdIds);
        rows.loadGrantsById(c, states, grantIds);
        Map<String, LedgerBatch.RecordedKey> recorded = IdempotencyKeys.load(c,
                LedgerBatch.keysInPlay(commands, targets));
        LedgerBatch.Step step = LedgerBatch.apply(commands, targets, states, recorded, now);
        if (step.writesNothing()) {
            c.rollback(); // nothing to write: not even the wallet rows made for this batch
            return new BatchResult(step.outcomes(), List.of());
        }
        List<StoredEvent> events = rows.save(c, step.toSave(), now);
        IdempotencyKeys.save(c, step.newKeys(), now);
        return new BatchResult(step.outcomes(), events);
    }

    /** The wallets of the holds (or grants) with the given ids; an unknown id has none. */
    private static Map<String, WalletKey> walletsOf(Connection c, List<String> ids, String table)
            throws SQLException {
        Map<String, WalletKey> wallets = new HashMap<>();
        if (ids.isEmpty()) {
            return wallets;
        }
        try (PreparedStatement ps = c.prepareStatement("select id, customer_id, credit_type from "
                + table + " where id = any(?)")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    wallets.put(rs.getString(1), new WalletKey(rs.getString(2), rs.getString(3)));
                }
            }
        }
        return wallets;
    }

    static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state) || "23505".equals(state);
    }

    static RuntimeException translate(SQLException e) {
        return Jdbc.translate(e);
    }

    // ---- reads

    @Override
    public WalletBalance wallet(WalletKey key, Instant now) {
        return queries.wallet(key, now);
    }

    @Override
    public Amount balanceAt(WalletKey key, Instant at, Instant now) {
        return queries.balanceAt(key, at);
    }

    @Override
    public WalletBalance walletAt(WalletKey key, Instant at, Instant now) {
        return queries.walletAt(key, at, now);
    }

    @Override
    public List<GrantRecord> grants(String customerId, String creditType, boolean all,
                                    Instant now) {
        return queries.grants(customerId, creditType, all, now);
    }

    @Override
    public GrantRecord grant(String grantId, Instant now) {
        return queries.grant(grantId, now);
    }

    @Override
    public HoldRecord hold(String holdId, Instant now) {
        return queries.hold(holdId, now);
    }

    @Override
    public List<HoldRecord> holds(String customerId, int limit, Instant now) {
        return queries.holds(customerId, limit, now);
    }

    @Override
    public List<dev.credits.UsageDay> usageByDay(String customerId, Instant from, Instant to) {
        return queries.usageByDay(customerId, from, to);
    }

    @Override
    public List<String> customers(String prefix, int limit) {
        return queries.customers(prefix, limit);
    }

    @Override
    public HistoryPage history(String customerId, History query) {
        return queries.history(customerId, query);
    }

    @Override
    public dev.credits.spi.RevenueTotals revenue(String currency, Instant from, Instant to,
                                                 String customerId, String creditType) {
        return queries.revenue(currency, from, to, customerId, creditType);
    }

    @Override
    public dev.credits.spi.RevenueTotals revenueWithin(String currency, Instant from, Instant to,
                                                       String customerId, String creditType) {
        return queries.revenueWithin(currency, from, to, customerId, creditType);
    }

    @Override
    public VerifyReport verify() {
        return new LedgerVerifier(database.dataSource()).verify();
    }

    @Override
    public List<WalletKey> walletsDueForSweep(Instant now, int limit) {
        return queries.walletsDueForSweep(now, limit);
    }

    @Override
    public List<WalletKey> walletsToActivate(String customerId, String creditType,
                                             Instant now) {
        return queries.walletsToActivate(customerId, creditType, now);
    }

    @Override
    public int deleteIdempotencyKeysBefore(Instant cutoff) {
        return queries.deleteIdempotencyKeysBefore(cutoff);
    }

    @Override
    public List<StoredEvent> undeliveredEvents(int limit) {
        return queries.undeliveredEvents(limit);
    }

    @Override
    public void markDelivered(List<StoredEvent> events, Instant now) {
        queries.markDelivered(events, now);
    }

    @Override
    public boolean isHealthy() {
        return queries.isHealthy();
    }

    @Override
    public void close() {
        database.close();
    }
}
