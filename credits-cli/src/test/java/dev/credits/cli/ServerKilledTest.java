package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.testing.TestDatabase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two {@code credits serve} processes on one database behind a client that spreads its spends
 * over both, and one of them killed with {@code kill -9} mid-load: the other keeps serving, and
 * the client, retrying on the other with the same Idempotency-Key, loses and doubles nothing.
 */
class ServerKilledTest {
    static final int CLIENTS = 8;
    static final String WALLET = "/v1/customers/two_servers/";
    static final long GRANT_CENTS = 100_000_000L;
    static final int ACKNOWLEDGED_BEFORE = 200;
    static final int ACKNOWLEDGED_AFTER = 200;
    static final long WAIT_SECONDS = 120;
    static final long RETRY_PAUSE_MS = 20;

    @Test
    void oneOfTwoServersKilled_theOtherServes_andRetriesLoseNothing() throws Exception {
        String url = TestDatabase.newDatabaseUrl();
        String[] serve = {"--database-url", url, "--database-user", TestDatabase.user()};
        Map<String, String> acknowledged = new ConcurrentHashMap<>(); // key -> transaction
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger movedToTheOther = new AtomicInteger();
        try (ServerProcess one = ServerProcess.start(serve);
             ServerProcess two = ServerProcess.start(serve)) {
            one.awaitReady();
            two.awaitReady();
            assertThat(one.post(WALLET + "grants", "{\"credit_type\": \"credits\", \"amount\":"
                    + " \"1000000.00\", \"source\": \"purchase\"}").status()).isEqualTo(201);
            ServerProcess[] servers = {one, two};
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int n = 0; running.get(); n++) {
                        spend(servers, "two-" + client + "-" + n, n, acknowledged, unexpected,
                                movedToTheOther);
                    }
                });
            }
            int atKill;
            try {
                await(acknowledged, ACKNOWLEDGED_BEFORE, unexpected);
                one.kill();
                atKill = acknowledged.size();
                await(acknowledged, atKill + ACKNOWLEDGED_AFTER, unexpected);
                running.set(false);
                clients.shutdown();
                assertThat(clients.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            } finally {
                running.set(false);
                clients.shutdownNow();
            }
            assertThat(unexpected).isEmpty();
            System.out.println("ServerKilledTest: " + atKill + " spends acknowledged before"
                    + " kill -9 of one server, " + acknowledged.size() + " in all; "
                    + movedToTheOther.get() + " refused or cut off and retried on the other");
            Map<String, Integer> seen = CrashTest.usageTransactionCounts(two, WALLET);
            for (String transaction : acknowledged.values()) {
                assertThat(seen.get(transaction)).as(transaction).isEqualTo(1);
            }
            assertThat(seen).as("every spend applied was acknowledged")
                    .hasSameSizeAs(acknowledged);
            String balance = two.get(WALLET + "wallets/credits").body().get("balance").asText();
            assertThat(new java.math.BigDecimal(balance).movePointRight(2).longValueExact())
                    .isEqualTo(GRANT_CENTS - acknowledged.size());
            assertThat(movedToTheOther.get()).as("spends refused or cut off by the kill, retried")
                    .isPositive();
        }
        Cli.Result verify = new Cli("--database-url", url, "--database-user",
                TestDatabase.user()).run("verify");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    }

    /**
     * One spend of 0.01 with {@code key}, to the server {@code n} picks; after a lost connection
     * or a 503, the same key again on the other server, until it is acknowledged.
     */
    private static void spend(ServerProcess[] servers, String key, int n,
                              Map<String, String> acknowledged, List<String> unexpected,
                              AtomicInteger moved) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        for (int attempt = 0; System.nanoTime() - deadline < 0; attempt++) {
            ServerProcess server = servers[(n + attempt) % servers.length];
            if (attempt > 0) {
                moved.incrementAndGet();
            }
            try {
                ServerProcess.Response r = server.post(WALLET + "spend", "{\"credit_type\":"
                        + " \"credits\", \"amount\": \"0.01\", \"feature\": \"two\"}", key);
                if (r.status() == 201) {
                    acknowledged.put(key, r.body().get("transaction_id").asText());
                    return;
                }
                if (r.status() != 503) {
                    unexpected.add(key + ": " + r.status() + " " + r.body());
                    return;
                }
            } catch (Exception lost) {
                // refused or cut off: the other server next
            }
            try {
                Thread.sleep(RETRY_PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        unexpected.add(key + ": never acknowledged");
    }

    private static void await(Map<String, String> acknowledged, int count, List<String> unexpected)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (acknowledged.size() < count) {
            assertThat(System.nanoTime() - deadline).as("acknowledged " + acknowledged.size()
                    + " of " + count + "; unexpected " + unexpected).isNegative();
            Thread.sleep(20);
        }
    }
}
