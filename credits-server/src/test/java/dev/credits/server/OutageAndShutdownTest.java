package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.TestServer.Response;
import dev.credits.testing.TestDatabase;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutageAndShutdownTest {
    static final int SPENDS = 120;
    static final int CLIENT_THREADS = 16;
    static final int RECOVERY_ATTEMPTS = 50;
    static final long RECOVERY_PAUSE_MS = 200;

    @Test
    void databaseDown_is503Unavailable_andHealthSaysSo() throws Exception {
        try (TestServer t = TestServer.start()) {
            t.grant("outage", "10.00");
            String database = t.databaseUrl.substring(t.databaseUrl.lastIndexOf('/') + 1);
            admin(t, "alter database " + database + " allow_connections false");
            admin(t, "select pg_terminate_backend(pid) from pg_stat_activity"
                    + " where datname = '" + database + "'");
            awaitNoBackends(t, database); // termination is a signal: wait until they are gone
            try {
                Response health = t.send("GET", "/health", null, Map.of(), null);
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.code()).isEqualTo("unavailable");
                Response spend = t.spend("outage", "1.00", Map.of());
                assertThat(spend.status()).as(spend.toString()).isEqualTo(503);
                assertThat(spend.code()).isEqualTo("unavailable");
                assertThat(spend.header("Content-Type")).startsWith("application/problem+json");
            } finally {
                admin(t, "alter database " + database + " allow_connections true");
            }
            // The pool may still hand out a connection that died in the outage: retry a little.
            Response wallet = t.get("/v1/customers/outage/wallets/credits");
            for (int i = 0; i < RECOVERY_ATTEMPTS && wallet.status() != 200; i++) {
                Thread.sleep(RECOVERY_PAUSE_MS);
                wallet = t.get("/v1/customers/outage/wallets/credits");
            }
            assertThat(wallet.json().get("balance").asText()).isEqualTo("10.00");
            assertThat(t.get("/health").status()).isEqualTo(200);
        }
    }

    private static void awaitNoBackends(TestServer t, String database) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String url = t.databaseUrl.substring(0, t.databaseUrl.lastIndexOf('/') + 1) + "postgres";
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity"
                        + " where datname = '" + database + "'")) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("backends still alive").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    private static void admin(TestServer t, String sql) throws Exception {
        String url = t.databaseUrl.substring(0, t.databaseUrl.lastIndexOf('/') + 1) + "postgres";
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void stop_letsRequestsInFlightFinish_andLosesNothingAcknowledged() throws Exception {
        try (TestServer t = TestServer.start()) {
            t.grant("shutdown", "1000.00");
            ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
            AtomicInteger answered = new AtomicInteger();
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < SPENDS; i++) {
                statuses.add(pool.submit(() -> {
                    try {
                        Response r = t.spend("shutdown", "1.00", Map.of());
                        answered.incrementAndGet();
                        if (r.status() == 503) {
                            assertThat(r.code()).isEqualTo("unavailable");
                        }
                        return r.status();
                    } catch (UncheckedIOException refused) {
                        return -1; // the server was no longer accepting connections
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (answered.get() < SPENDS / 4) {
                assertThat(System.nanoTime()).as("spends answered").isLessThan(deadline);
                Thread.sleep(1);
            }
            t.server.stop();
            int acknowledged = 0;
            int cutOff = 0;
            for (Future<Integer> status : statuses) {
                int code = status.get(120, TimeUnit.SECONDS);
                // 201: done and acknowledged; 503: refused, nothing written; no connection: never
                // sent, or cut off as the connections closed (a client retries it with its key).
                assertThat(code).isIn(201, 503, -1);
                acknowledged += code == 201 ? 1 : 0;
                cutOff += code == -1 ? 1 : 0;
            }
            pool.shutdown();
            assertThat(acknowledged).isGreaterThanOrEqualTo(SPENDS / 4);
            long applied = (100_000L - t.credits.wallet("shutdown", "credits").balance().units())
                    / 100;
            assertThat(applied).as("nothing acknowledged is lost")
                    .isBetween((long) acknowledged, (long) acknowledged
                            + Math.min(cutOff, CLIENT_THREADS));
        }
    }
}
