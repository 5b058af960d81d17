package dev.credits.testing;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.postgres.PostgresLedger;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL per test JVM (fsync off: tests need no durability), and a fresh
 * database for each caller, so tests never see each other's rows.
 */
public final class TestDatabase {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabase() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                Path dir = Files.createTempDirectory("credits-test-pg");
                postgres = EmbeddedPostgres.builder().setDataDirectory(dir.toFile())
                        .setCleanDataDirectory(true)
                        .setPGStartupWait(Duration.ofMinutes(2))
                        .setServerConfig("max_connections", "400")
                        .start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        postgres.close();
                    } catch (IOException ignored) {
                        // the JVM is exiting
                    }
                }));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return postgres;
    }

    /** A JDBC URL of a new, empty database. */
    public static String newDatabaseUrl() {
        EmbeddedPostgres server = server();
        String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = server.getPostgresDatabase().getConnection();
             Statement st = c.createStatement()) {
            st.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "jdbc:postgresql://localhost:" + server.getPort() + "/" + name;
    }

    public static String user() {
        return "postgres";
    }

    /** A config on a new database, with the sweeper off and the given clock. */
    public static CreditsConfig newConfig(Clock clock, CreditTypes types) {
        return CreditsConfig.defaults()
                .withDatabase(newDatabaseUrl(), user(), null)
                .withClock(clock)
                .withCreditTypes(types)
                .withSweepIntervalMs(0)
                .withPoolSize(8);
    }

    public static Credits open(Clock clock, CreditTypes types) {
        return Credits.open(newConfig(clock, types));
    }

    /** The ledger and its database, for tests of the modules that keep tables beside it. */
    public static PostgresLedger openLedger(Clock clock, CreditTypes types) {
        return PostgresLedger.open(newConfig(clock, types));
    }
}
