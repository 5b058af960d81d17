package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditTypes;
import dev.credits.CreditsConfig;
import dev.credits.plans.Catalog;
import dev.credits.server.TestServer.Response;
import dev.credits.testing.ControlledPostgres;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's database goes away under load and comes back, or fails over to a synchronous
 * standby, with the server left running: clients get a fast 503 while it is gone, the server
 * recovers by itself, and clients that retry with their Idempotency-Keys lose nothing and double
 * nothing.
 */
class DatabaseFailuresTest {
    static final int CLIENTS = 8;
    static final String GRANT = "100000.00";
    static final long GRANT_CENTS = 10_000_000L;
    static final int ACKNOWLEDGED_BEFORE = 150;
    static final int ACKNOWLEDGED_AFTER = 150;
    static final long OUTAGE_MS = 3_000;
    static final long WAIT_SECONDS = 120;
    /** A 503 waits at most the pool's connection timeout (5 s), once; then answers at once. */
    static final long UNAVAILABLE_MAX_MS = 8_000;
    static final long UNAVAILABLE_MEDIAN_MAX_MS = 500;
    /** Fewer 503s than this say nothing of their median (a failover may have a handful). */
    static final int UNAVAILABLE_MEDIAN_SAMPLES_MIN = 20;

    @Test
    void databaseRestart_underLoad_fast503_recovers_andLosesNothing(@TempDir Path dir)
            throws Exception {
        try (ControlledPostgres postgres = ControlledPostgres.create(dir.resolve("pg"));
             TestServer t = server(postgres.jdbcUrl());
             Load load = Load.start(t)) {
            load.awaitAcknowledged(ACKNOWLEDGED_BEFORE);
            postgres.stop();
            long stoppedAt = System.nanoTime();
            Response health = awaitHealth(t, 503);
            assertThat(health.code()).isEqualTo("unavailable");
            Thread.sleep(Math.max(0, OUTAGE_MS - (System.nanoTime() - stoppedAt) / 1_000_000));
            int before = load.acknowledged.size();
            postgres.start();
            load.awaitAcknowledged(before + ACKNOWLEDGED_AFTER);
            assertThat(awaitHealth(t, 200).status()).isEqualTo(200);
            load.finish();
            System.out.println("DatabaseFailuresTest restart: " + load.summary());
            load.assertExactlyOnce();
            assertThat(load.unavailable).as("503s while the database was down").isNotEmpty();
            assertFast(load.unavailable);
        }
    }

    @Test
    void failoverToSynchronousStandby_underLoad_reconnects_andLosesNothing(@TempDir Path dir)
            throws Exception {
        try (ControlledPostgres primary = ControlledPostgres.create(dir.resolve("primary"));
             ControlledPostgres standby = primary.standbyIn(dir.resolve("standby"))) {
            primary.awaitSynchronousStandby();
            String url = "jdbc:postgresql://" + primary.hostAndPort() + "," + standby.hostAndPort()
                    + "/postgres?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=2";
            try (TestServer t = server(url); Load load = Load.start(t)) {
                load.awaitAcknowledged(ACKNOWLEDGED_BEFORE);
                primary.kill();
                int before = load.acknowledged.size();
                standby.promote();
                load.awaitAcknowledged(before + ACKNOWLEDGED_AFTER);
                load.finish();
                System.out.println("DatabaseFailuresTest failover: acknowledged before the kill "
                        + before + "; " + load.summary());
                load.assertExactlyOnce();
                assertFast(load.unavailable);
                try (var c = standby.connect(); var st = c.createStatement();
                     var rs = st.executeQuery("select pg_is_in_recovery()")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).as("the standby is the primary now").isFalse();
                }
            }
        }
    }

    private static TestServer server(String url) {
        CreditsConfig config = CreditsConfig.defaults()
                .withDatabase(url, ControlledPostgres.USER, null)
                .withClock(Clock.systemUTC()).withCreditTypes(CreditTypes.defaults())
                .withSweepIntervalMs(0).withPoolSize(8);
        return TestServer.startWithPayments(config, Catalog.empty(), null);
    }

    private static Response awaitHealth(TestServer t, int status) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            Response health = t.send("GET", "/health", null, Map.of(), null);
            if (health.status() == status || System.nanoTime() - deadline > 0) {
                return health;
            }
            Thread.sleep(20);
        }
    }

    private static void assertFast(List<Long> unavailableMs) {
        if (unavailableMs.isEmpty()) {
            return;
        }
        List<Long> sorted = new ArrayList<>(unavailableMs);
        Collections.sort(sorted);
        assertThat(sorted.get(sorted.size() - 1)).as("slowest 503, ms")
                .isLessThan(UNAVAILABLE_MAX_MS);
        if (sorted.size() >= UNAVAILABLE_MEDIAN_SAMPLES_MIN) {
            assertThat(sorted.get(sorted.size() / 2)).as("median 503, ms")
                    .isLessThan(UNAVAILABLE_MEDIAN_MAX_MS);
        }
    }

    /**
     * {@link #CLIENTS} clients, one customer each, spending 1.00 at a time with a key per spend,
     * each retried with its key after a 503 or a lost connection until it is answered 201.
     */
    static final class Load implements AutoCloseable {
        final TestServer t;
        final Map<String, String> acknowledged = new ConcurrentHashMap<>(); // key -> transaction
        final List<Long> unavailable = Collections.synchronizedList(new ArrayList<>());
        final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean running = new AtomicBoolean(true);
        final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        volatile int lostConnections;

        private Load(TestServer t) {
            this.t = t;
        }

        static Load start(TestServer t) {
            Load load = new Load(t);
            for (int c = 0; c < CLIENTS; c++) {
                t.grant(customer(c), GRANT);
            }
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                load.clients.submit(() -> load.spendUntilStopped(client));
            }
            return load;
        }

        static String customer(int client) {
            return "load-" + client;
        }

        private void spendUntilStopped(int client) {
            for (int n = 0; running.get(); n++) {
                String key = "spend-" + client + "-" + n;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (!acknowledged.containsKey(key) && System.nanoTime() - deadline < 0) {
                    attempt(customer(client), key);
                }
            }
        }

        private void attempt(String customer, String key) {
            long began = System.nanoTime();
            try {
                Response r = t.spend(customer, "1.00", Map.of("Idempotency-Key", key));
                long ms = (System.nanoTime() - began) / 1_000_000;
                if (r.status() == 201) {
                    acknowledged.put(key, r.json().get("transaction_id").asText());
                    return;
                }
                if (r.status() == 503 && "unavailable".equals(r.code())) {
                    unavailable.add(ms);
                } else {
                    unexpected.add(key + ": " + r);
                }
            } catch (UncheckedIOException lost) {
                lostConnections++;
            }
            pause();
        }

        void awaitAcknowledged(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (acknowledged.size() < count) {
                assertThat(System.nanoTime() - deadline).as("acknowledged " + acknowledged.size()
                        + " of " + count + "; unexpected " + unexpected).isNegative();
                Thread.sleep(20);
            }
        }

        void finish() throws InterruptedException {
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(unexpected).isEmpty();
        }

        /** Stops the clients even when the test failed before {@link #finish()}. */
        @Override
        public void close() {
            running.set(false);
            clients.shutdownNow();
        }

        String summary() {
            List<Long> sorted = new ArrayList<>(unavailable);
            Collections.sort(sorted);
            return acknowledged.size() + " spends acknowledged, " + sorted.size() + " answered"
                    + " 503 (median " + (sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2))
                    + " ms, slowest " + (sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1))
                    + " ms), " + lostConnections + " connections lost";
        }

        /**
         * Every acknowledged spend is in its customer's history exactly once and nothing else
         * is; balances add up; retried keys replay; the ledger verifies.
         */
        void assertExactlyOnce() {
            Map<String, Integer> seen = new HashMap<>();
            for (int c = 0; c < CLIENTS; c++) {
                Map<String, Integer> ofCustomer = usageCounts(t, customer(c));
                long spends = ofCustomer.values().stream().mapToLong(Integer::longValue).sum();
                assertThat(t.credits.wallet(customer(c), "credits").balance().units())
                        .isEqualTo(GRANT_CENTS - spends * 100);
                seen.putAll(ofCustomer);
            }
            for (String transaction : acknowledged.values()) {
                assertThat(seen.get(transaction)).as(transaction).isEqualTo(1);
            }
            assertThat(seen).as("every spend applied was acknowledged")
                    .hasSameSizeAs(acknowledged);
            int replayed = 0;
            for (Map.Entry<String, String> entry : acknowledged.entrySet()) {
                if (replayed++ == 20) {
                    break;
                }
                String client = entry.getKey().split("-")[1];
                Response retry = t.spend("load-" + client, "1.00",
                        Map.of("Idempotency-Key", entry.getKey()));
                assertThat(retry.status()).isEqualTo(201);
                assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
                assertThat(retry.json().get("transaction_id").asText())
                        .isEqualTo(entry.getValue());
            }
            assertThat(t.credits.verify().violations()).isEmpty();
        }

        private void pause() {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** transaction id -> how many times it is among the customer's usage transactions. */
    static Map<String, Integer> usageCounts(TestServer t, String customer) {
        Map<String, Integer> counts = new HashMap<>();
        String cursor = null;
        do {
            JsonNode page = t.get("/v1/customers/" + customer + "/transactions?type=usage"
                    + "&limit=500" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            for (JsonNode transaction : page.get("data")) {
                counts.merge(transaction.get("id").asText(), 1, Integer::sum);
            }
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        return counts;
    }
}
