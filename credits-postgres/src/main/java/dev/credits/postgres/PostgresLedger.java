package dev.credits.postgres;

import dev.credits.Credits;
import dev.credits.CreditsConfig;
import javax.sql.DataSource;

/**
 * The ledger on PostgreSQL together with its database, for the modules that keep tables of their
 * own beside it (plans, AI metering, API keys) and are handed the {@link #dataSource()}:
 * <pre>{@code
 * try (PostgresLedger ledger = PostgresLedger.open(config)) {
 *     Plans plans = Plans.open(ledger.credits(), ledger.dataSource(), catalog);
 *     ...
 * }
 * }</pre>
 * {@code Credits.open(config)} is the same ledger for an application that needs nothing else.
 */
public final class PostgresLedger implements AutoCloseable {
    private final Credits credits;
    private final Database database;

    private PostgresLedger(Credits credits, Database database) {
        this.credits = credits;
        this.database = database;
    }

    /**
     * Opens (and migrates) the database {@code config} names, or starts the embedded one, and the
     * ledger on it; fails with the database's error when it cannot be reached or migrated.
     */
    public static PostgresLedger open(CreditsConfig config) {
        return open(config, Database.open(config));
    }

    /**
     * Opens the ledger on an application's own {@code dataSource}, migrated with the schema
     * history table {@code historyTable} (see {@link Database#on}); {@code config}'s database
     * settings are not used. Closing the ledger leaves {@code dataSource} open.
     */
    public static PostgresLedger open(CreditsConfig config, DataSource dataSource,
                                      String historyTable) {
        return open(config, Database.on(dataSource, historyTable));
    }

    private static PostgresLedger open(CreditsConfig config, Database database) {
        try {
            Credits credits = Credits.open(config,
                    new PostgresLedgerStore(database, config.creditTypes()));
            return new PostgresLedger(credits, database);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    public Credits credits() {
        return credits;
    }

    public Database database() {
        return database;
    }

    /** The pool the ledger reads with, shared with the modules beside it. */
    public DataSource dataSource() {
        return database.dataSource();
    }

    /** A pool of its own for background work (webhook delivery); see {@link Database}. */
    public DataSource backgroundDataSource() {
        return database.backgroundDataSource();
    }

    /** Closes the ledger, then its database (and the embedded server, if it started one). */
    @Override
    public void close() {
        credits.close();
    }
}
