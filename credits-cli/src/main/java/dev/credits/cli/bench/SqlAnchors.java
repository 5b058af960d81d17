package dev.credits.cli.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the engine's write scenarios are measured against, on the same database in the same run:
 * <ul>
 * <li>{@code sql-single}: the design a user would write by hand in an afternoon, one
 *     transaction per spend: {@code UPDATE wallet SET balance = balance - x WHERE id = ? AND
 *     balance >= x} and an {@code INSERT} of one journal row, from as many callers;</li>
 * <li>{@code ceiling}: the same two statements for a whole batch per transaction (batches as
 *     large as the engine's callers make them), from as many connections as the engine commits
 *     on: what the database itself can do with the same durability.</li>
 * </ul>
 * And the disk's latency for one synchronous 8 KiB write, which bounds every durable commit.
 */
final class SqlAnchors {
    static final int FSYNC_SAMPLES = 50;
    static final int FSYNC_BLOCK_BYTES = 8_192;

    private final String url;
    private final String user;
    private final int wallets;

    private SqlAnchors(String url, String user, int wallets) {
        this.url = url;
        this.user = user;
        this.wallets = wallets;
    }

    /** Creates and funds {@code wallets} rows in a schema of their own, {@code bench_sql}. */
    static SqlAnchors create(String url, String user, int wallets) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, null);
             Statement st = c.createStatement()) {
            st.execute("drop schema if exists bench_sql cascade");
            st.execute("create schema bench_sql");
            st.execute("create table bench_sql.wallet (id bigint primary key,"
                    + " balance bigint not null check (balance >= 0))");
            st.execute("create table bench_sql.entry (id bigserial primary key,"
                    + " wallet_id bigint not null, amount bigint not null,"
                    + " created_at timestamptz not null default now())");
            st.execute("insert into bench_sql.wallet select g, " + BenchCommand.FUNDING_UNITS
                    + " from generate_series(0, " + (wallets - 1) + ") g");
            st.execute("analyze bench_sql.wallet");
        }
        return new SqlAnchors(url, user, wallets);
    }

    /** {@code sql-single}: one spend per transaction from each of {@code clients} connections. */
    Result single(int clients, long durationMs) throws Exception {
        List<Connection> connections = connect(clients);
        try {
            List<PreparedStatement[]> statements = prepare(connections);
            return LoadRunner.run("sql-single", "sql", clients, durationMs, (client, n) -> {
                PreparedStatement[] ps = statements.get(client);
                spend(ps, wallet(client, n));
                ps[0].executeBatch();
                ps[1].executeBatch();
                connections.get(client).commit();
            });
        } finally {
            close(connections);
        }
    }

    /**
     * {@code ceiling}: {@code batch} spends per transaction on {@code committers} connections;
     * its rate counts spends, its latencies are of whole transactions.
     */
    Result ceiling(int committers, int batch, long durationMs) throws Exception {
        List<Connection> connections = connect(committers);
        try {
            List<PreparedStatement[]> statements = prepare(connections);
            Result transactions = LoadRunner.run("ceiling", "sql", committers, durationMs,
                    (client, n) -> {
                        PreparedStatement[] ps = statements.get(client);
                        // In wallet order, as the engine sorts a batch: no deadlocks.
                        long[] ids = new long[batch];
                        for (int i = 0; i < batch; i++) {
                            ids[i] = wallet(client * batch + i, n);
                        }
                        Arrays.sort(ids);
                        for (long id : ids) {
                            spend(ps, id);
                        }
                        ps[0].executeBatch();
                        ps[1].executeBatch();
                        connections.get(client).commit();
                    });
            return new Result("ceiling", "sql", committers, Math.multiplyExact(
                    transactions.operations(), (long) batch), transactions.errors(),
                    transactions.elapsedNanos(), transactions.p50Ms(), transactions.p99Ms());
        } finally {
            close(connections);
        }
    }

    private long wallet(long client, long n) {
        return BenchCommand.walletOf(client, n, wallets);
    }

    /** Each connection in a transaction of its own, with its two statements prepared. */
    private static List<PreparedStatement[]> prepare(List<Connection> connections)
            throws SQLException {
        List<PreparedStatement[]> statements = new ArrayList<>();
        for (Connection c : connections) {
            c.setAutoCommit(false);
            statements.add(prepare(c));
        }
        return statements;
    }

    private static PreparedStatement[] prepare(Connection c) throws SQLException {
        return new PreparedStatement[] {
            c.prepareStatement("update bench_sql.wallet set balance = balance - 1"
                    + " where id = ? and balance >= 1"),
            c.prepareStatement("insert into bench_sql.entry (wallet_id, amount) values (?, 1)")};
    }

    private static void spend(PreparedStatement[] ps, long wallet) throws SQLException {
        ps[0].setLong(1, wallet);
        ps[0].addBatch();
        ps[1].setLong(1, wallet);
        ps[1].addBatch();
    }

    private List<Connection> connect(int count) throws SQLException {
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                connections.add(DriverManager.getConnection(url + "?reWriteBatchedInserts=true",
                        user, null));
            }
            return connections;
        } catch (SQLException e) {
            close(connections);
            throw e;
        }
    }

    private static void close(List<Connection> connections) {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing after the run; nothing to keep
            }
        }
    }

    /**
     * The median time of one synchronous 8 KiB write ({@code write} then {@code fsync}) in
     * {@code directory}, in nanoseconds: what every durable commit waits for at least once.
     */
    static long fsyncNanos(Path directory) throws IOException {
        Path file = directory.resolve("fsync-probe");
        long[] nanos = new long[FSYNC_SAMPLES];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(FSYNC_BLOCK_BYTES);
            for (int i = 0; i < FSYNC_SAMPLES; i++) {
                block.clear();
                long began = System.nanoTime();
                channel.write(block, (long) (i % 8) * FSYNC_BLOCK_BYTES);
                channel.force(false);
                nanos[i] = System.nanoTime() - began;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        Arrays.sort(nanos);
        return nanos[FSYNC_SAMPLES / 2];
    }
}
