package dev.credits.cli.bench;

import com.sun.net.httpserver.HttpServer;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.Spend;
import dev.credits.internal.GroupCommitter;
import dev.credits.postgres.EmbeddedDatabase;
import dev.credits.postgres.PostgresLedger;
import dev.credits.server.ApiKeys;
import dev.credits.server.CreditsServer;
import dev.credits.webhooks.Webhooks;
import dev.credits.webhooks.WebhooksConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code credits bench}: throughput and latency of the ledger on its own embedded PostgreSQL
 * with durable settings ({@code fsync} and {@code synchronous_commit} on). Each write scenario
 * runs twice, {@code batched} (group commit) and {@code single} (one transaction per command),
 * and is set beside two plain-SQL anchors on the same database ({@link SqlAnchors}): the
 * hand-written naive spend ({@code sql-single}) and the database's own ceiling ({@code
 * ceiling}). The disk's latency for one synchronous write is measured first and printed: the
 * absolute figures depend on it, the ratios much less.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure spends/s and latency on a fresh durable embedded database.")
public final class BenchCommand implements Callable<Integer> {
    static final List<String> SCENARIOS = List.of("uniform", "hot", "http", "balance", "idle",
            "webhooks", "revenue", "sql-single", "ceiling");
    /** How long {@code webhooks} waits for delivery to drain after its run. */
    static final long DRAIN_WAIT_MS = 60_000;
    static final int CLIENTS_MAX = 512;
    static final int DURATION_SECONDS_MAX = 3_600;
    static final int WALLETS_MAX = 1_000_000;
    static final int HISTORY_ENTRIES_MAX = 10_000_000;
    static final long FUNDING_UNITS = 100_000_000_000L; // 1,000,000,000.00 credits per wallet
    static final int POOL_SIZE_BATCHED = 16;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Lines printed under the table (the webhooks drain time, say). */
    private final List<String> notes = new ArrayList<>();

    @Option(names = "--scenario", split = ",", description = "Any of ${COMPLETION-CANDIDATES}; "
            + "default all.", completionCandidates = ScenarioNames.class)
    List<String> scenarios = SCENARIOS;

    @Option(names = "--duration", description = "Seconds per scenario and mode (default 10).")
    int durationSeconds = 10;

    @Option(names = "--clients", description = "Concurrent callers (default 64).")
    int clients = 64;

    @Option(names = "--wallets", description = "Funded wallets of `uniform` and `http` "
            + "(default 10000).")
    int wallets = 10_000;

    @Option(names = "--history", description = "History entries of the `balance` wallet "
            + "(default 1000000).")
    int historyEntries = 1_000_000;

    @Option(names = "--json", description = "Print only the results as JSON on stdout.")
    boolean json;

    @Option(names = "--no-fsync", description = "Diagnosis only: run PostgreSQL without fsync, "
            + "to see whether the disk or the CPU bounds the throughput.")
    boolean noFsync;

    static final class ScenarioNames extends ArrayList<String> {
        ScenarioNames() {
            super(SCENARIOS);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        Path data = Files.createTempDirectory("credits-bench");
        List<Result> results = new ArrayList<>();
        long fsyncNanos;
        try (EmbeddedDatabase database = EmbeddedDatabase.start(data, !noFsync)) {
            fsyncNanos = SqlAnchors.fsyncNanos(data);
            progress("embedded PostgreSQL in " + data + (noFsync
                    ? ", fsync=off (diagnosis only: not durable)" : ", fsync=on, synchronous_commit=on")
                    + "; one synchronous 8 KiB write takes " + Latencies.millis(fsyncNanos)
                    + " ms here (median of " + SqlAnchors.FSYNC_SAMPLES + ")");
            for (String mode : List.of("batched", "single")) {
                runWriteScenarios(database, mode, results);
            }
            runAnchors(database, results);
            runReadScenarios(database, results);
        } finally {
            deleteQuietly(data);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Report.json(results, fsyncNanos)
                : Report.table(results, noFsync, notes, fsyncNanos));
        out.flush();
        return 0;
    }

    private void validate() {
        for (String scenario : scenarios) {
            if (!SCENARIOS.contains(scenario)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "unknown scenario '" + scenario + "'; one of " + SCENARIOS);
            }
        }
        if (clients < 1 || clients > CLIENTS_MAX) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--clients must be 1.." + CLIENTS_MAX);
        }
        if (durationSeconds < 1 || durationSeconds > DURATION_SECONDS_MAX) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--duration must be 1.." + DURATION_SECONDS_MAX);
        }
        if (wallets < 1 || wallets > WALLETS_MAX || historyEntries < 1
                || historyEntries > HISTORY_ENTRIES_MAX) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--wallets must be 1.." + WALLETS_MAX + " and --history 1.."
                            + HISTORY_ENTRIES_MAX);
        }
    }

    private PostgresLedger open(EmbeddedDatabase database, boolean groupCommit) {
        int pool = groupCommit ? POOL_SIZE_BATCHED : Math.min(clients + 2, 200);
        return PostgresLedger.open(CreditsConfig.defaults()
                .withDatabase(database.jdbcUrl(), database.user(), null)
                .withCreditTypes(CreditTypes.defaults()).withSweepIntervalMs(0)
                .withPoolSize(pool).withGroupCommit(groupCommit));
    }

    private void runWriteScenarios(EmbeddedDatabase database, String mode, List<Result> results)
            throws Exception {
        boolean wantsUniform = scenarios.contains("uniform") || scenarios.contains("http")
                || scenarios.contains("idle") || scenarios.contains("webhooks");
        if (!wantsUniform && !scenarios.contains("hot")) {
            return;
        }
        try (PostgresLedger ledger = open(database, mode.equals("batched"))) {
            Credits credits = ledger.credits();
            String prefix = "u_" + mode + "_";
            if (wantsUniform) {
                fund(credits, prefix, wallets);
            }
            if (scenarios.contains("uniform")) {
                progress("uniform, " + mode + ": " + clients + " clients, " + wallets + " wallets");
                results.add(LoadRunner.run("uniform", mode, clients, durationMs(),
                        (client, n) -> credits.wallet(prefix + walletOf(client, n), "credits")
                                .spend(Spend.of("0.01"))));
            }
            if (scenarios.contains("hot")) {
                fund(credits, "hot_" + mode + "_", 1);
                progress("hot, " + mode + ": " + clients + " clients, 1 wallet");
                results.add(LoadRunner.run("hot", mode, clients, durationMs(),
                        (client, n) -> credits.wallet("hot_" + mode + "_0", "credits")
                                .spend(Spend.of("0.01"))));
            }
            if (scenarios.contains("http")) {
                results.add(http(ledger, mode, prefix));
            }
            if (scenarios.contains("webhooks") && mode.equals("batched")) {
                webhooks(ledger, prefix, results);
            }
            if (scenarios.contains("idle") && mode.equals("batched")) {
                progress("idle, batched: 1 client, one spend at a time");
                results.add(LoadRunner.run("idle", mode, 1, durationMs(),
                        (client, n) -> credits.wallet(prefix + (n % wallets), "credits")
                                .spend(Spend.of("0.01"))));
            }
        }
    }

    /** {@code sql-single} and {@code ceiling}: plain SQL on the same database, no engine. */
    private void runAnchors(EmbeddedDatabase database, List<Result> results) throws Exception {
        boolean single = scenarios.contains("sql-single");
        boolean ceiling = scenarios.contains("ceiling");
        if (!single && !ceiling) {
            return;
        }
        SqlAnchors anchors = SqlAnchors.create(database.jdbcUrl(), database.user(), wallets);
        if (single) {
            progress("sql-single: " + clients + " clients, one UPDATE + INSERT transaction per"
                    + " spend, " + wallets + " wallets");
            results.add(anchors.single(clients, durationMs()));
        }
        if (ceiling) {
            int batch = ceilingBatch();
            progress("ceiling: " + GroupCommitter.COMMITTERS + " connections, " + batch
                    + " spends per transaction, " + wallets + " wallets");
            results.add(anchors.ceiling(GroupCommitter.COMMITTERS, batch, durationMs()));
            notes.add("ceiling: " + batch + " spends per transaction (" + clients + " callers / "
                    + GroupCommitter.COMMITTERS + " committers) on " + GroupCommitter.COMMITTERS
                    + " connections; its latencies are of whole transactions");
        }
    }

    /** The batch the engine's committers make from {@code clients} callers, on average. */
    int ceilingBatch() {
        return Math.max(1, Math.min(GroupCommitter.BATCH_COMMANDS_MAX,
                clients / GroupCommitter.COMMITTERS));
    }

    private long walletOf(int client, long n) {
        return walletOf(client, n, wallets);
    }

    /** The wallet (0 ≤ w < {@code wallets}) of a client's {@code n}-th spend, spread evenly. */
    static long walletOf(long client, long n, int wallets) {
        return (client * 7919L + n * 104_729L) % wallets;
    }

    private Result http(PostgresLedger ledger, String mode, String prefix) throws Exception {
        String secret = "bench-" + System.nanoTime();
        CreditsServer server = CreditsServer.start(ledger, new ApiKeys(ledger.dataSource(),
                secret), 0);
        progress("http, " + mode + ": " + clients + " keep-alive connections from this JVM -> "
                + "127.0.0.1:" + server.port());
        List<KeepAliveClient> connections = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            connections.add(new KeepAliveClient("127.0.0.1", server.port(), "Bearer " + secret));
        }
        String body = "{\"credit_type\":\"credits\",\"amount\":\"0.01\"}";
        try {
            return LoadRunner.run("http", mode, clients, durationMs(), (c, n) -> {
                int status = connections.get(c).post("/v1/customers/" + prefix + walletOf(c, n)
                        + "/spend", body);
                if (status != 201) {
                    throw new IOException("status " + status);
                }
            });
        } finally {
            for (KeepAliveClient connection : connections) {
                connection.close();
            }
            server.stop();
        }
    }

    private void runReadScenarios(EmbeddedDatabase database, List<Result> results)
            throws Exception {
        if (scenarios.contains("revenue")) {
            try (PostgresLedger ledger = open(database, true)) {
                Credits credits = ledger.credits();
                progress("revenue: writing " + historyEntries + " journal entries with their"
                        + " revenue shares, over 10,000 customers and a year");
                RevenueSeed.write(ledger.dataSource(), historyEntries);
                java.time.Instant now = java.time.Instant.now();
                progress("revenue: one client, the report of the last 30 days, then of the year");
                results.add(LoadRunner.run("revenue", "30 days", 1, durationMs(),
                        (client, n) -> credits.revenue(now.minus(java.time.Duration.ofDays(30)),
                                now, "usd", null, null)));
                results.add(LoadRunner.run("revenue", "a year", 1, durationMs(),
                        (client, n) -> credits.revenue(now.minus(java.time.Duration.ofDays(366)),
                                now, "usd", null, null)));
            }
        }
        if (!scenarios.contains("balance")) {
            return;
        }
        try (PostgresLedger ledger = open(database, true)) {
            Credits credits = ledger.credits();
            progress("balance: writing " + historyEntries + " history entries");
            HistorySeed.write(ledger.dataSource(), "history", historyEntries);
            progress("balance: " + clients + " clients reading one wallet's balance");
            results.add(LoadRunner.run("balance", "read", clients, durationMs(),
                    (client, n) -> credits.wallet("history", "credits").state()));
        }
    }

    /**
     * {@code webhooks}: uniform spends without endpoints, then with two endpoints subscribed to
     * every spend (a local receiver answering 200), side by side on one database; then how long
     * delivery takes to drain what the run left.
     */
    private void webhooks(PostgresLedger ledger, String prefix, List<Result> results)
            throws Exception {
        Credits credits = ledger.credits();
        progress("webhooks, off: " + clients + " clients, " + wallets + " wallets, no endpoint");
        results.add(LoadRunner.run("webhooks", "off", clients, durationMs(),
                (client, n) -> credits.wallet(prefix + walletOf(client, n), "credits")
                        .spend(Spend.of("0.01"))));
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        ExecutorService receiving = Executors.newFixedThreadPool(16);
        receiver.setExecutor(receiving);
        AtomicLong received = new AtomicLong();
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        try (Webhooks webhooks = Webhooks.open(credits, ledger.backgroundDataSource(),
                WebhooksConfig.defaults().withAllowPrivateNetworks(true)
                        .withPollIntervalMs(50).withWorkers(Integer.getInteger(
                                "credits.bench.webhookWorkers", WebhooksConfig.WORKERS_DEFAULT)))) {
            webhooks.deliverDue(); // what the funding and the first run wrote goes nowhere
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            for (int i = 0; i < 2; i++) {
                webhooks.createEndpoint(url, List.of("credits.spent"), "bench " + i, null);
            }
            webhooks.start();
            progress("webhooks, on: the same, with 2 endpoints receiving every spend");
            Result on = LoadRunner.run("webhooks", "on", clients, durationMs(),
                    (client, n) -> credits.wallet(prefix + walletOf(client, n), "credits")
                            .spend(Spend.of("0.01")));
            results.add(on);
            long ended = System.nanoTime();
            long deadline = ended + DRAIN_WAIT_MS * 1_000_000L;
            while ((webhooks.backlog() > 0 || webhooks.pendingDeliveries() > 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long drainMs = (System.nanoTime() - ended) / 1_000_000;
            boolean drained = webhooks.backlog() == 0 && webhooks.pendingDeliveries() == 0;
            notes.add(String.format("webhooks: the backlog left at the end of the run %s in"
                    + " %d.%03d s; %d deliveries received for %d spends (2 endpoints)",
                    drained ? "drained" : "had NOT drained", drainMs / 1_000, drainMs % 1_000,
                    received.get(), on.operations()));
        } finally {
            receiver.stop(0);
            receiving.shutdownNow();
        }
    }

    private void fund(Credits credits, String prefix, int count) throws InterruptedException {
        progress("funding " + count + " wallet(s)");
        String amount = dev.credits.Amount.render(FUNDING_UNITS, 2);
        List<Thread> threads = new ArrayList<>();
        int parallel = Math.min(32, count);
        for (int t = 0; t < parallel; t++) {
            int first = t;
            Thread thread = new Thread(() -> {
                for (int i = first; i < count; i += parallel) {
                    credits.wallet(prefix + i, "credits").grant(Grant.of(amount));
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private long durationMs() {
        return durationSeconds * 1_000L;
    }

    private void progress(String line) {
        System.err.println("bench: " + line);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans it up eventually
        }
    }

    /**
     * Writes {@code entries} usage entries over a year for 10,000 customers, each with one grant
     * of a cost basis and each entry's recognized share, straight in SQL.
     */
    static final class RevenueSeed {
        static final int CUSTOMERS = 10_000;

        private RevenueSeed() {
        }

        static void write(javax.sql.DataSource dataSource, int entries) throws SQLException {
            int perCustomer = Math.max(1, entries / CUSTOMERS);
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("insert into grants (customer_id, id, credit_type, transaction_id,"
                        + " amount, remaining, source, priority, effective_at, status, created_at,"
                        + " updated_at, cost_basis, cost_currency) select 'rev_' || g,"
                        + " 'grt_rev_' || g, 'credits', 'txn_rev_' || g, 1000000, 1000000 - "
                        + perCustomer + ", 'purchase', 50, now() - interval '1 year', 'active',"
                        + " now() - interval '1 year', now(), 1000000, 'usd'"
                        + " from generate_series(1, " + CUSTOMERS + ") g");
                st.execute("insert into revenue_entries (customer_id, credit_type,"
                        + " transaction_id, grant_id, kind, currency, amount, at)"
                        + " select 'rev_' || g, 'credits', 'txn_rev_' || g, 'grt_rev_' || g,"
                        + " 'purchased', 'usd', 1000000, now() - interval '1 year'"
                        + " from generate_series(1, " + CUSTOMERS + ") g");
                st.execute("insert into transactions (customer_id, id, credit_type, type, amount,"
                        + " balance_after, feature, allocations, contra_account, created_at,"
                        + " effective_at) select 'rev_' || (g % " + CUSTOMERS + " + 1),"
                        + " 'txn_revu_' || g, 'credits', 'usage', -1, 0, 'bench',"
                        + " '[]', 'usage:bench', now() - (g % 31536000) * interval '1 second',"
                        + " now() - (g % 31536000) * interval '1 second'"
                        + " from generate_series(1, " + entries + ") g");
                st.execute("insert into revenue_entries (customer_id, credit_type,"
                        + " transaction_id, grant_id, kind, currency, amount, at)"
                        + " select 'rev_' || (g % " + CUSTOMERS + " + 1), 'credits',"
                        + " 'txn_revu_' || g, 'grt_rev_' || (g % " + CUSTOMERS + " + 1),"
                        + " 'recognized', 'usd', 1, now() - (g % 31536000) * interval '1 second'"
                        + " from generate_series(1, " + entries + ") g");
                c.commit();
                st.execute("analyze");
            }
        }
    }

    /** Writes a wallet with a long history straight in SQL (the engine's rows, consistent). */
    static final class HistorySeed {
        private HistorySeed() {
        }

        static void write(javax.sql.DataSource dataSource, String customer, int entries)
                throws SQLException {
            long granted = 2L * entries;
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("insert into wallets (customer_id, credit_type, balance, created_at,"
                        + " updated_at) values ('" + customer + "', 'credits', " + (granted - entries)
                        + ", now(), now())");
                st.execute("insert into grants (customer_id, id, credit_type, transaction_id,"
                        + " amount, remaining, source, priority, effective_at, status, created_at,"
                        + " updated_at) values ('" + customer + "', 'grt_bench', 'credits',"
                        + " 'txn_bench_0', " + granted + ", " + (granted - entries)
                        + ", 'purchase', 50, now(), 'active', now(), now())");
                st.execute("insert into transactions (customer_id, id, credit_type, type, source,"
                        + " grant_id, amount, balance_after, contra_account, created_at,"
                        + " effective_at) values ('" + customer + "', 'txn_bench_0', 'credits',"
                        + " 'grant', 'purchase', 'grt_bench', " + granted + ", " + granted
                        + ", 'issued:purchase', now(), now())");
                st.execute("insert into transactions (customer_id, id, credit_type, type, amount,"
                        + " balance_after, feature, allocations, contra_account, created_at,"
                        + " effective_at) select '" + customer + "', 'txn_bench_' || g, 'credits',"
                        + " 'usage', -1, " + granted + " - g, 'bench',"
                        + " '[{\"grantId\":\"grt_bench\",\"units\":1}]', 'usage:bench',"
                        + " now(), now() from generate_series(1, " + entries + ") g");
                c.commit();
                st.execute("analyze");
            }
        }
    }
}
