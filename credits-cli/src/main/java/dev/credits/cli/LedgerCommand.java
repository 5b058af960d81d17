package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.plans.TestClock;
import dev.credits.postgres.Database;
import dev.credits.postgres.PostgresLedger;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that opens the ledger for one operation: no background sweeper, the system clock
 * (or the simulated time of a database that has run on a test clock),
 * a small connection pool. Works beside a running server on the same database.
 */
abstract class LedgerCommand implements Callable<Integer> {
    static final int POOL_SIZE = 2;

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    private PostgresLedger ledger;

    @Override
    public final Integer call() throws Exception {
        // A database that has run on a test clock keeps its simulated time: follow it.
        TestClock clock = TestClock.create();
        try (PostgresLedger opened = PostgresLedger.open(database.config()
                .withClock(clock)
                .withSweepIntervalMs(0)
                .withPoolSize(POOL_SIZE))) {
            ledger = opened;
            clock.attach(opened.dataSource(), TestClock.Mode.FOLLOW);
            return run(opened.credits());
        } finally {
            ledger = null;
        }
    }

    /** The open ledger's database, for the commands that read its tables themselves. */
    Database ledgerDatabase() {
        return ledger.database();
    }

    /** Runs against the open ledger and returns the exit code. */
    abstract int run(Credits credits) throws Exception;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
