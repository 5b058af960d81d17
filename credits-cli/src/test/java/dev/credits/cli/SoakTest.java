package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.testing.ControlledPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak (not in CI: {@code tools/soak.sh}): a real {@code credits serve} process under mixed
 * load (spends, grants, holds captured, balance and history reads) for {@code soak.minutes}
 * (default 30), its PostgreSQL restarted every {@code soak.restart.minutes} (default 5). Every
 * write carries an Idempotency-Key and is retried until acknowledged; at the end each wallet's
 * balance must equal what the acknowledged writes add up to, {@code verify} must be clean, and
 * the figures (operations, 503s, latencies, the server's resident memory) are printed and written
 * to {@code target/soak-report.txt}.
 */
@Tag("soak")
class SoakTest {
    static final int CLIENTS = 8;
    static final int CUSTOMERS = 100;
    static final long GRANT_CENTS = 100_000_000L;
    static final long OUTAGE_MS = 5_000;
    static final long RETRY_PAUSE_MS = 50;
    static final long WRITE_DEADLINE_SECONDS = 120;
    static final long SEED = Long.getLong("soak.seed", 20261202L);

    enum Op { SPEND, GRANT, HOLD_CAPTURE, BALANCE, HISTORY }

    final Map<Op, List<Long>> latenciesMicros = new EnumMap<>(Op.class);
    final AtomicLongArray expectedCents = new AtomicLongArray(CUSTOMERS);
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong lostConnections = new AtomicLong();
    final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());

    @Test
    @Timeout(value = 6, unit = TimeUnit.HOURS)
    void mixedLoad_withDatabaseRestarts_endsExactAndVerified(@TempDir Path dir) throws Exception {
        long minutes = Long.getLong("soak.minutes", 30);
        long restartMinutes = Long.getLong("soak.restart.minutes", 5);
        for (Op op : Op.values()) {
            latenciesMicros.put(op, Collections.synchronizedList(new ArrayList<>()));
        }
        try (ControlledPostgres postgres = ControlledPostgres.create(dir.resolve("pg"));
             ServerProcess server = ServerProcess.start("--database-url", postgres.jdbcUrl(),
                     "--database-user", ControlledPostgres.USER)) {
            server.awaitReady();
            for (int c = 0; c < CUSTOMERS; c++) {
                write(server, Op.GRANT, c, "soak-start-" + c, GRANT_CENTS);
            }
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int t = 0; t < CLIENTS; t++) {
                int client = t;
                clients.submit(() -> run(server, client, running));
            }
            try {
                soak(server, postgres, clients, running, minutes, restartMinutes);
            } finally {
                running.set(false);
                clients.shutdownNow();
            }
        }
    }

    private void soak(ServerProcess server, ControlledPostgres postgres, ExecutorService clients,
                      AtomicBoolean running, long minutes, long restartMinutes) throws Exception {
        long began = System.nanoTime();
        long end = began + TimeUnit.MINUTES.toNanos(minutes);
        long nextRestart = began + TimeUnit.MINUTES.toNanos(restartMinutes);
        long rssMaxKib = 0;
        int restarts = 0;
        while (System.nanoTime() - end < 0) {
            Thread.sleep(1_000);
            rssMaxKib = Math.max(rssMaxKib, residentKib(server.pid()));
            if (System.nanoTime() - nextRestart >= 0 && System.nanoTime() - end < 0) {
                postgres.stop();
                Thread.sleep(OUTAGE_MS);
                postgres.start();
                restarts++;
                nextRestart += TimeUnit.MINUTES.toNanos(restartMinutes);
                System.out.printf("soak: %d min, database restarted (%d)%n",
                        TimeUnit.NANOSECONDS.toMinutes(System.nanoTime() - began), restarts);
            }
        }
        running.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(WRITE_DEADLINE_SECONDS * 2, TimeUnit.SECONDS))
                .isTrue();
        long rssEndKib = residentKib(server.pid());
        for (int c = 0; c < CUSTOMERS; c++) {
            String balance = server.get(wallet(c) + "wallets/credits").body().get("balance")
                    .asText();
            assertThat(new java.math.BigDecimal(balance).movePointRight(2).longValueExact())
                    .as("customer " + c).isEqualTo(expectedCents.get(c));
        }
        Cli.Result verify = new Cli("--database-url", postgres.jdbcUrl(), "--database-user",
                ControlledPostgres.USER).run("verify");
        String report = report(minutes, restarts, rssMaxKib, rssEndKib,
                verify.exitCode() == 0 ? "clean" : "FAILED");
        System.out.print(report);
        Files.writeString(Path.of("target", "soak-report.txt"), report);
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(unexpected).isEmpty();
    }

    private void run(ServerProcess server, int client, AtomicBoolean running) {
        Random random = new Random(SEED + client);
        for (long n = 0; running.get(); n++) {
            int customer = random.nextInt(CUSTOMERS);
            int roll = random.nextInt(100);
            String key = "soak-" + client + "-" + n;
            try {
                if (roll < 55) {
                    write(server, Op.SPEND, customer, key, 1 + random.nextInt(100));
                } else if (roll < 65) {
                    write(server, Op.GRANT, customer, key, 100 + random.nextInt(10_000));
                } else if (roll < 75) {
                    write(server, Op.HOLD_CAPTURE, customer, key, 1 + random.nextInt(100));
                } else if (roll < 93) {
                    read(server, Op.BALANCE, wallet(customer) + "wallets/credits");
                } else {
                    read(server, Op.HISTORY, wallet(customer) + "transactions?limit=20");
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One write, retried with its key until acknowledged; counted into the expected balance. */
    private void write(ServerProcess server, Op op, int customer, String key, long cents)
            throws InterruptedException {
        String amount = cents / 100 + "." + String.format(Locale.ROOT, "%02d", cents % 100);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WRITE_DEADLINE_SECONDS);
        long began = System.nanoTime();
        String holdId = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                ServerProcess.Response r;
                if (op == Op.GRANT) {
                    r = server.post(wallet(customer) + "grants", "{\"credit_type\": \"credits\","
                            + " \"amount\": \"" + amount + "\", \"source\": \"purchase\"}", key);
                } else if (op == Op.SPEND) {
                    r = server.post(wallet(customer) + "spend", "{\"credit_type\": \"credits\","
                            + " \"amount\": \"" + amount + "\", \"feature\": \"soak\"}", key);
                } else if (holdId == null) {
                    r = server.post(wallet(customer) + "holds", "{\"credit_type\": \"credits\","
                            + " \"amount\": \"" + amount + "\"}", key);
                    if (r.status() == 201) {
                        holdId = r.body().get("id").asText();
                        continue;
                    }
                } else {
                    r = server.post("/v1/holds/" + holdId + "/capture", "{\"amount\": \""
                            + amount + "\"}", key + "-capture");
                }
                if (r.status() == 200 || r.status() == 201) {
                    latenciesMicros.get(op).add((System.nanoTime() - began) / 1_000);
                    expectedCents.addAndGet(customer, op == Op.GRANT ? cents : -cents);
                    return;
                }
                if (r.status() == 503) {
                    unavailable.incrementAndGet();
                } else {
                    unexpected.add(op + " " + key + ": " + r.status() + " " + r.body());
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                lostConnections.incrementAndGet();
            }
            Thread.sleep(RETRY_PAUSE_MS);
        }
        unexpected.add(op + " " + key + ": not acknowledged in " + WRITE_DEADLINE_SECONDS + " s");
    }

    private void read(ServerProcess server, Op op, String path) throws InterruptedException {
        long began = System.nanoTime();
        try {
            ServerProcess.Response r = server.get(path);
            if (r.status() == 200) {
                latenciesMicros.get(op).add((System.nanoTime() - began) / 1_000);
                return;
            }
            if (r.status() == 503) {
                unavailable.incrementAndGet();
            } else {
                unexpected.add(op + " " + path + ": " + r.status());
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            lostConnections.incrementAndGet();
        }
        Thread.sleep(RETRY_PAUSE_MS);
    }

    private String report(long minutes, int restarts, long rssMaxKib, long rssEndKib,
                          String verify) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "soak: %d min, %d clients, %d customers, database restarted %d times (%d s"
                        + " down each)%n", minutes, CLIENTS, CUSTOMERS, restarts,
                OUTAGE_MS / 1_000));
        out.append(String.format(Locale.ROOT, "%-13s %10s %10s %10s %10s%n", "operation",
                "count", "p50 ms", "p99 ms", "max ms"));
        long total = 0;
        for (Op op : Op.values()) {
            List<Long> sorted = new ArrayList<>(latenciesMicros.get(op));
            Collections.sort(sorted);
            total += sorted.size();
            out.append(String.format(Locale.ROOT, "%-13s %10d %10.1f %10.1f %10.1f%n",
                    op.name().toLowerCase(Locale.ROOT), sorted.size(), at(sorted, 50) / 1e3,
                    at(sorted, 99) / 1e3, at(sorted, 100) / 1e3));
        }
        out.append(String.format(Locale.ROOT, "acknowledged %d operations (%.0f/s); answered 503"
                        + " %d times (each retried with its key), connections lost %d%n",
                total, total / (minutes * 60.0), unavailable.get(), lostConnections.get()));
        out.append(String.format(Locale.ROOT, "server resident memory: max %d MiB, at the end"
                + " %d MiB; every balance equals its acknowledged writes (%d customers);"
                + " verify %s%n", rssMaxKib / 1024,
                rssEndKib / 1024, CUSTOMERS, verify));
        return out.toString();
    }

    private static long at(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.min(sorted.size() - 1L, sorted.size() * (long) percentile / 100);
        return sorted.get(index);
    }

    private static String wallet(int customer) {
        return "/v1/customers/soak_" + customer + "/";
    }

    /** VmRSS of a process, in KiB (Linux); 0 where /proc is not there. */
    static long residentKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid),
                    "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
