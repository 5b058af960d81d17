package dev.credits.postgres;

import dev.credits.Amount;
import dev.credits.CreditTypes;
import dev.credits.CreditsException;
import dev.credits.GrantRecord;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.IdempotencyConflictException;
import dev.credits.InvalidAmountException;
import dev.credits.NotFoundException;
import dev.credits.StorageUnavailableException;
import dev.credits.VerifyReport;
import dev.credits.WalletBalance;
import dev.credits.core.Command;
import dev.credits.core.LedgerMachine;
import dev.credits.core.WalletKey;
import dev.credits.core.WalletState;
import dev.credits.spi.LedgerStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger on PostgreSQL. A batch of commands is one transaction: resolve the wallets of
 * commands addressed by id, lock every wallet in key order ({@code SELECT … FOR UPDATE}), load
 * their active grants and holds and the idempotency keys in play, apply
 * {@link LedgerMachine} to each command in arrival order, write the changed rows, commit.
 * Several processes on one database stay correct because every change happens under the wallet's
 * row lock. Deadlocks and unique-key races (two first uses of an idempotency key) are retried.
 */
public final class PostgresLedgerStore implements LedgerStore {
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

    public Database database() {
        return database;
    }

    @Override
    public BatchResult execute(List<Command> commands, Instant now) {
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

    private BatchResult executeOnce(Connection c, List<Command> commands, Instant now)
            throws SQLException {
        int n = commands.size();
        WalletKey[] targets = new WalletKey[n];
        Map<String, WalletKey> holdWallets = walletsOf(c, commands, "holds", true);
        Map<String, WalletKey> grantWallets = walletsOf(c, commands, "grants", false);
        Set<WalletKey> keys = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            targets[i] = targetOf(commands.get(i), holdWallets, grantWallets);
            if (targets[i] != null) {
                keys.add(targets[i]);
            }
        }
        Map<WalletKey, WalletState> states = keys.isEmpty() ? Map.of()
                : rows.lockAndLoad(c, keys, now);
        rows.loadHoldsById(c, states, new ArrayList<>(holdWallets.keySet()));
        rows.loadGrantsById(c, states, new ArrayList<>(grantWallets.keySet()));
        IdempotencyKeys idempotency = IdempotencyKeys.load(c, commands, targets);

        List<Outcome> outcomes = new ArrayList<>(n);
        Set<WalletKey> changed = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Command command = commands.get(i);
            if (targets[i] == null) {
                outcomes.add(Outcome.failed(notFound(command)));
                continue;
            }
            outcomes.add(applyOne(states.get(targets[i]), command, idempotency, now, changed));
        }
        List<WalletState> toSave = new ArrayList<>();
        for (WalletState state : states.values()) {
            if (changed.contains(state.key) && state.hasChanges()) {
                toSave.add(state);
            }
        }
        if (toSave.isEmpty() && !idempotency.hasNew()) {
            c.rollback(); // nothing to write: not even the wallet rows made for this batch
            return new BatchResult(outcomes, List.of());
        }
        List<StoredEvent> events = rows.save(c, toSave, now);
        idempotency.save(c, now);
        return new BatchResult(outcomes, events);
    }

    private static Outcome applyOne(WalletState wallet, Command command,
                                    IdempotencyKeys idempotency, Instant now,
                                    Set<WalletKey> changed) {
        String key = command.idempotencyKey();
        String fingerprint = key == null ? null : Codec.fingerprint(command);
        if (key != null) {
            IdempotencyKeys.Entry previous = idempotency.find(key);
            IdempotencyKeys.Entry legacy = previous != null ? null
                    : idempotency.findLegacy(key, Codec.legacyFingerprint(command));
            if (legacy != null) {
                return Outcome.of(legacy.result(), true); // recorded before keys had a prefix
            }
            if (previous != null) {
                if (!previous.fingerprint().equals(fingerprint)) {
                    return Outcome.failed(new IdempotencyConflictException(key));
                }
                return Outcome.of(previous.result(), true);
            }
        }
        if (command instanceof Command.Sweep) {
            changed.add(wallet.key); // a sweep's expiries are written even if nothing else is
        }
        try {
            Object result = LedgerMachine.apply(wallet, command, now);
            changed.add(wallet.key);
            if (key != null) {
                idempotency.record(wallet.key.customerId(), key, fingerprint, result);
            }
            return Outcome.of(result, false);
        } catch (CreditsException e) {
            return Outcome.failed(e);
        } catch (ArithmeticException e) {
            return Outcome.failed(new InvalidAmountException("the wallet's balance would overflow"));
        }
    }

    private static WalletKey targetOf(Command command, Map<String, WalletKey> holdWallets,
                                      Map<String, WalletKey> grantWallets) {
        if (command instanceof Command.Capture capture) {
            return holdWallets.get(capture.holdId());
        } else if (command instanceof Command.Release release) {
            return holdWallets.get(release.holdId());
        } else if (command instanceof Command.VoidGrant voidGrant) {
            return grantWallets.get(voidGrant.grantId());
        }
        return command.wallet();
    }

    private static CreditsException notFound(Command command) {
        if (command instanceof Command.VoidGrant voidGrant) {
            return new NotFoundException("grant " + voidGrant.grantId() + " not found");
        } else if (command instanceof Command.Capture capture) {
            return new NotFoundException("hold " + capture.holdId() + " not found");
        } else if (command instanceof Command.Release release) {
            return new NotFoundException("hold " + release.holdId() + " not found");
        }
        return new NotFoundException("not found");
    }

    /** The wallets of the holds (or grants) that commands address by id. */
    private static Map<String, WalletKey> walletsOf(Connection c, List<Command> commands,
                                                    String table, boolean holds)
            throws SQLException {
        List<String> ids = new ArrayList<>();
        for (Command command : commands) {
            if (holds && command instanceof Command.Capture capture) {
                ids.add(capture.holdId());
            } else if (holds && command instanceof Command.Release release) {
                ids.add(release.holdId());
            } else if (!holds && command instanceof Command.VoidGrant voidGrant) {
                ids.add(voidGrant.grantId());
            }
        }
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
    public HistoryPage history(String customerId, History query) {
        return queries.history(customerId, query);
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
