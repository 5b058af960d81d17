package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.testing.TestDatabase;
import dev.credits.webhooks.Receiver;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code credits serve} as real processes: two on one database, and a restart on its data. */
class ServerProcessesTest {
    private static final int THREADS = 16;
    private static final int SPENDS_PER_CUSTOMER = 40;
    private static final int GRANTS_PER_CUSTOMER = 4;
    private static final int LOAD_REQUESTS_BEFORE_STOP = 300;
    private static final List<String> CUSTOMERS = List.of("shared_a", "shared_b", "shared_c");

    private static String grantBody(String amount) {
        return "{\"credit_type\": \"credits\", \"amount\": \"" + amount
                + "\", \"source\": \"purchase\"}";
    }

    private static String spendBody(String amount) {
        return "{\"credit_type\": \"credits\", \"amount\": \"" + amount
                + "\", \"feature\": \"chat\"}";
    }

    @Test
    void twoServersOnOneDatabase_stayConsistent_andDeliverEachEventOnce(@TempDir Path dir)
            throws Exception {
        String url = TestDatabase.newDatabaseUrl();
        String[] database = {"--database-url", url, "--database-user", TestDatabase.user()};
        Path config = dir.resolve("hooks.yml");
        java.nio.file.Files.writeString(config, "webhooks:\n  allow_private_networks: true\n");
        String[] serve = {"--database-url", url, "--database-user", TestDatabase.user(),
                "--config", config.toString()};
        try (Receiver receiver = new Receiver();
             ServerProcess one = ServerProcess.start(serve);
             ServerProcess two = ServerProcess.start(serve)) {
            one.awaitReady();
            two.awaitReady();
            ServerProcess.Response endpoint = one.post("/v1/webhook-endpoints", "{\"url\": \""
                    + receiver.url() + "\", \"events\": [\"credits.granted\","
                    + " \"credits.spent\"]}");
            assertThat(endpoint.status()).isEqualTo(201);
            receiver.secrets(endpoint.body().get("secret").asText());
            for (String customer : CUSTOMERS) {
                assertThat(one.post("/v1/customers/" + customer + "/grants", grantBody("20.00"))
                        .status()).isEqualTo(201);
            }
            List<AtomicInteger> spent = drive(List.of(one, two));
            for (int i = 0; i < CUSTOMERS.size(); i++) {
                // 20.00 + 4 x 2.50 in, 1.00 out per accepted spend.
                BigDecimal expected = new BigDecimal("30.00")
                        .subtract(BigDecimal.valueOf(spent.get(i).get()));
                String path = "/v1/customers/" + CUSTOMERS.get(i) + "/wallets/credits";
                assertThat(one.get(path).body().get("balance").asText())
                        .isEqualTo(expected.setScale(2).toPlainString());
                assertThat(two.get(path).body().get("balance").asText())
                        .isEqualTo(expected.setScale(2).toPlainString());
            }
            // Both servers deliver; every event arrives signed, each exactly once.
            int events = CUSTOMERS.size() * (1 + GRANTS_PER_CUSTOMER)
                    + spent.stream().mapToInt(AtomicInteger::get).sum();
            long deadline = System.currentTimeMillis() + 30_000;
            while (receiver.received().size() < events
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(500); // a second delivery of anything would arrive by now
            List<Receiver.Received> got = receiver.received();
            assertThat(got).allSatisfy(r -> assertThat(r.verified()).isTrue());
            assertThat(got.stream().map(Receiver.Received::id).distinct().count())
                    .isEqualTo(events);
            assertThat(got).hasSize(events);
            assertThat(one.stop()).isIn(0, 143);
            assertThat(two.stop()).isIn(0, 143);
        }
        Cli cli = new Cli(database);
        Cli.Result verify = cli.run("verify");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("clean");
    }

    /** Spends and grants on every customer through both servers at once; counts 201 spends. */
    private static List<AtomicInteger> drive(List<ServerProcess> servers) throws Exception {
        List<AtomicInteger> spent = new ArrayList<>();
        List<Runnable> calls = new ArrayList<>();
        for (String customer : CUSTOMERS) {
            AtomicInteger accepted = new AtomicInteger();
            spent.add(accepted);
            for (int i = 0; i < SPENDS_PER_CUSTOMER + GRANTS_PER_CUSTOMER; i++) {
                ServerProcess server = servers.get(i % servers.size());
                boolean grant = i < GRANTS_PER_CUSTOMER;
                calls.add(() -> call(server, customer, grant, accepted));
            }
        }
        long seed = System.nanoTime();
        System.out.println("drive seed " + seed);
        Collections.shuffle(calls, new Random(seed));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Runnable call : calls) {
                done.add(pool.submit(call));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return spent;
    }

    private static void call(ServerProcess server, String customer, boolean grant,
                             AtomicInteger accepted) {
        try {
            String base = "/v1/customers/" + customer;
            if (grant) {
                assertThat(server.post(base + "/grants", grantBody("2.50")).status())
                        .isEqualTo(201);
                return;
            }
            ServerProcess.Response response = server.post(base + "/spend", spendBody("1.00"));
            assertThat(response.status()).as("%s", response.body()).isIn(201, 402);
            if (response.status() == 201) {
                accepted.incrementAndGet();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void restart_onSameData_keepsBalancesAndHistory(@TempDir Path dir) throws Exception {
        String data = dir.resolve("data").toString();
        String wallet = "/v1/customers/persist/wallets/credits";
        String history = "/v1/customers/persist/transactions";
        JsonNode walletBefore;
        JsonNode historyBefore;
        try (ServerProcess server = ServerProcess.start("--data", data)) {
            server.awaitReady();
            assertThat(server.post("/v1/customers/persist/grants", grantBody("12.34")).status())
                    .isEqualTo(201);
            assertThat(server.post("/v1/customers/persist/spend", spendBody("2.34")).status())
                    .isEqualTo(201);
            walletBefore = withoutAsOf(server.get(wallet).body());
            historyBefore = server.get(history).body();
            assertThat(server.stop()).isIn(0, 143);
        }
        assertThat(walletBefore.get("balance").asText()).isEqualTo("10.00");
        try (ServerProcess server = ServerProcess.start("--data", data)) {
            server.awaitReady();
            assertThat(withoutAsOf(server.get(wallet).body())).isEqualTo(walletBefore);
            assertThat(server.get(history).body()).isEqualTo(historyBefore);
            assertThat(historyBefore.get("data")).hasSize(2);
            assertThat(server.stop()).isIn(0, 143);
        }
        Cli.Result verify = new Cli("--data", data).run("verify");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    }

    @Test
    void sigterm_underLoad_finishesInFlightAndLosesNothingAcknowledged(@TempDir Path dir)
            throws Exception {
        String data = dir.resolve("data").toString();
        AtomicInteger accepted = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        String[] output = new String[1];
        try (ServerProcess server = ServerProcess.start("--data", data)) {
            server.awaitReady();
            assertThat(server.post("/v1/customers/busy/grants", grantBody("100000.00"))
                    .status()).isEqualTo(201);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            AtomicInteger sent = new AtomicInteger();
            try {
                for (int i = 0; i < THREADS; i++) {
                    pool.submit(() -> spendUntilRefused(server, sent, accepted, failures));
                }
                while (sent.get() < LOAD_REQUESTS_BEFORE_STOP) {
                    Thread.sleep(10);
                }
                assertThat(server.stop()).isIn(0, 143);
            } finally {
                output[0] = server.output();
                pool.shutdown();
                assertThat(pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS))
                        .isTrue();
            }
        }
        // A request that arrives once stopping has begun may get 503; none may fail otherwise.
        assertThat(failures).allMatch(f -> f.equals("503") || f.startsWith("ended by "),
                "only 503 while stopping");
        // Every acknowledged spend is in the ledger. A request cut off as the connections
        // closed may or may not have been applied (a client retries it with an Idempotency-Key):
        // at most one per client thread, since each stops at its first failure.
        Cli cli = new Cli("--data", data);
        String line = cli.run("balance", "busy").lines().get(1);
        long balance = new BigDecimal(line.trim().split("\\s+")[1]).longValueExact();
        long applied = 100_000 - balance;
        long cutOff = failures.stream().filter(f -> f.startsWith("ended by ")).count();
        assertThat(applied).as("acknowledged %d; clients: %s; server:%n%s", accepted.get(),
                failures, output[0]).isBetween((long) accepted.get(), accepted.get() + cutOff);
        assertThat(cli.run("verify").exitCode()).isZero();
    }

    /** Spends 1.00 until the connection is refused; records any other outcome than 201. */
    private static void spendUntilRefused(ServerProcess server, AtomicInteger sent,
                                          AtomicInteger accepted, List<String> failures) {
        while (true) {
            ServerProcess.Response response;
            try {
                sent.incrementAndGet();
                response = server.post("/v1/customers/busy/spend", spendBody("1.00"));
            } catch (Exception e) {
                failures.add("ended by " + e); // the server has stopped listening
                return;
            }
            if (response.status() == 201) {
                accepted.incrementAndGet();
            } else {
                failures.add(String.valueOf(response.status()));
            }
        }
    }

    private static JsonNode withoutAsOf(JsonNode wallet) {
        ObjectNode copy = wallet.deepCopy();
        copy.remove("as_of");
        return copy;
    }
}
