package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code kill -9} of the server and of its embedded PostgreSQL while a load generator spends with
 * idempotency keys; then a restart on the same data. Every acknowledged spend is in the history
 * exactly once, a retried key returns its original result, and verify is clean.
 */
class CrashTest {
    static final int LOAD_THREADS = 16;
    static final long LOAD_BEFORE_KILL_MS = 2_500;
    static final int ACKNOWLEDGED_BEFORE_KILL = 50;
    static final String WALLET = "/v1/customers/crash/";

    @TempDir
    Path data;

    @Test
    void killMinusNine_underLoad_losesNoAcknowledgedSpend() throws Exception {
        Map<String, String> acknowledged = new ConcurrentHashMap<>(); // key -> transaction id
        try (ServerProcess server = ServerProcess.start("--data", data.toString())) {
            server.awaitReady();
            assertThat(server.post(WALLET + "grants", "{\"credit_type\": \"credits\","
                    + " \"amount\": \"1000000.00\", \"source\": \"purchase\"}").status())
                    .isEqualTo(201);
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(LOAD_THREADS);
            for (int t = 0; t < LOAD_THREADS; t++) {
                int thread = t;
                load.submit(() -> spendUntilRefused(server, thread, running, acknowledged));
            }
            // Under load for a while, and long enough to have acknowledged a good number.
            long began = System.nanoTime();
            while (System.nanoTime() - began < TimeUnit.MILLISECONDS.toNanos(LOAD_BEFORE_KILL_MS)
                    || acknowledged.size() < ACKNOWLEDGED_BEFORE_KILL
                    && System.nanoTime() - began < TimeUnit.SECONDS.toNanos(120)) {
                Thread.sleep(50);
            }
            ProcessHandle postmaster = ProcessHandle.of(postmasterPid()).orElseThrow();
            List<ProcessHandle> database = new ArrayList<>(postmaster.descendants().toList());
            database.add(postmaster);
            server.kill();
            database.forEach(ProcessHandle::destroyForcibly); // the postmaster and its backends
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            for (ProcessHandle process : database) {
                process.onExit().get(60, TimeUnit.SECONDS);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThan(10);
        System.out.println("CrashTest: " + acknowledged.size() + " spends acknowledged before"
                + " kill -9 of the server and its PostgreSQL");

        try (ServerProcess server = ServerProcess.start("--data", data.toString())) {
            server.awaitReady();
            Map<String, Integer> seen = usageTransactionCounts(server);
            for (String transactionId : acknowledged.values()) {
                assertThat(seen.get(transactionId)).as(transactionId).isEqualTo(1);
            }
            long spends = seen.values().stream().mapToLong(Integer::longValue).sum();
            String balance = server.get(WALLET + "wallets/credits").body().get("balance").asText();
            assertThat(new java.math.BigDecimal(balance)).isEqualByComparingTo(
                    new java.math.BigDecimal("1000000.00").subtract(
                            java.math.BigDecimal.valueOf(spends, 2)));
            List<String> keys = new ArrayList<>(acknowledged.keySet()).subList(0, 10);
            for (String key : keys) {
                ServerProcess.Response retry = server.post(WALLET + "spend", spendBody(), key);
                assertThat(retry.status()).isEqualTo(201);
                assertThat(retry.body().get("transaction_id").asText())
                        .isEqualTo(acknowledged.get(key));
            }
            assertThat(usageTransactionCounts(server).size()).isEqualTo(seen.size());
            assertThat(server.stop()).isIn(0, 143);
        }
        Cli.Result verify = new Cli("--data", data.toString()).run("verify");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    }

    private static String spendBody() {
        return "{\"credit_type\": \"credits\", \"amount\": \"0.01\", \"feature\": \"crash\"}";
    }

    private static void spendUntilRefused(ServerProcess server, int thread, AtomicBoolean running,
                                          Map<String, String> acknowledged) {
        for (int n = 0; running.get(); n++) {
            String key = "crash-" + thread + "-" + n;
            try {
                ServerProcess.Response response = server.post(WALLET + "spend", spendBody(), key);
                if (response.status() == 201) {
                    acknowledged.put(key, response.body().get("transaction_id").asText());
                }
            } catch (Exception e) {
                return; // the server is gone: what was acknowledged is all we count
            }
        }
    }

    private long postmasterPid() throws Exception {
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
    }

    /** transaction id -> how many times it appears among the usage entries of the history. */
    static Map<String, Integer> usageTransactionCounts(ServerProcess server) throws Exception {
        return usageTransactionCounts(server, WALLET);
    }

    /** As above, for the wallet whose path is {@code wallet} ({@code /v1/customers/ID/}). */
    static Map<String, Integer> usageTransactionCounts(ServerProcess server, String wallet)
            throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        String cursor = null;
        do {
            String query = "transactions?type=usage&limit=500"
                    + (cursor == null ? "" : "&cursor=" + cursor);
            JsonNode page = server.get(wallet + query).body();
            for (JsonNode transaction : page.get("data")) {
                counts.merge(transaction.get("id").asText(), 1, Integer::sum);
            }
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        return counts;
    }
}
