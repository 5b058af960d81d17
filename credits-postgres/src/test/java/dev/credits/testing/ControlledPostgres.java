package dev.credits.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own (the embedded binaries), on a port and a data directory
 * that stay the same across stops and starts, so that a server under test can lose its database
 * and get it back: {@link #stop()} (a fast shutdown) and {@link #start()} again, and for
 * failover {@link #standbyIn}, {@link #kill()} ({@code kill -9} of a primary, for good: this
 * JVM keeps the killed server's lock on its directory) and {@link #promote()}.
 */
public final class ControlledPostgres implements AutoCloseable {
    public static final String USER = "postgres";
    private static final Duration STARTUP_WAIT = Duration.ofMinutes(2);
    private static final long PROMOTE_WAIT_SECONDS = 60;

    private final Path directory;
    private final int port;
    private final List<String[]> settings;
    private EmbeddedPostgres postgres;

    private ControlledPostgres(Path directory, int port, List<String[]> settings) {
        this.directory = directory;
        this.port = port;
        this.settings = settings;
    }

    /** A new server in {@code directory} (empty) on a free port, started. */
    public static ControlledPostgres create(Path directory) {
        ControlledPostgres server = new ControlledPostgres(directory, freePort(), List.of());
        server.start();
        return server;
    }

    public synchronized ControlledPostgres start() {
        if (postgres != null) {
            throw new IllegalStateException("already running in " + directory);
        }
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(directory.toFile()).setCleanDataDirectory(false)
                    .setPort(port).setRegisterShutdownHook(true).setPGStartupWait(STARTUP_WAIT)
                    .setServerConfig("max_connections", "200")
                    // The library turns it off by default; a commit must wait for its WAL to be
                    // flushed, and with a synchronous standby for the standby to have it too.
                    // (fsync may stay off: a killed process leaves the OS's cache intact.)
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("listen_addresses", "localhost");
            for (String[] setting : settings) {
                builder.setServerConfig(setting[0], setting[1]);
            }
            postgres = builder.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL in " + directory, e);
        }
    }

    /** A fast shutdown: sessions are ended, the data stays. */
    public synchronized void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            postgres = null;
        }
    }

    /** {@code kill -9} of the postmaster and of every backend: a machine that died. */
    public synchronized void kill() {
        try {
            long pid = Long.parseLong(Files.readAllLines(directory.resolve("postmaster.pid"))
                    .get(0).trim());
            ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
            List<ProcessHandle> all = new java.util.ArrayList<>(postmaster.descendants().toList());
            all.add(0, postmaster);
            all.forEach(ProcessHandle::destroyForcibly);
            all.forEach(process -> process.onExit().join());
            postgres = null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A hot standby of this server in {@code standbyDirectory}, streaming from it, and this server
     * made to wait for it on every commit ({@code synchronous_standby_names}). Stops this server
     * for the copy (a cold copy of its data directory) and starts both.
     */
    public ControlledPostgres standbyIn(Path standbyDirectory) {
        stop();
        copy(directory, standbyDirectory);
        ControlledPostgres standby = new ControlledPostgres(standbyDirectory, freePort(),
                List.of());
        try {
            // PostgreSQL refuses a data directory others may read.
            Files.setPosixFilePermissions(standbyDirectory,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.writeString(standbyDirectory.resolve("standby.signal"), "");
            Files.writeString(standbyDirectory.resolve("postgresql.auto.conf"),
                    "primary_conninfo = 'host=localhost port=" + port + " user=" + USER
                            + " application_name=standby'\n");
            Files.writeString(directory.resolve("postgresql.auto.conf"),
                    "synchronous_standby_names = 'standby'\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
        standby.start();
        return standby;
    }

    /** Waits until this primary has a synchronous standby streaming. */
    public void awaitSynchronousStandby() {
        awaitTrue("select count(*) = 1 from pg_stat_replication where sync_state = 'sync'");
    }

    /** Promotes this standby to primary ({@code pg_ctl promote}, as SQL) and waits for it. */
    public void promote() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("select pg_promote(true, " + PROMOTE_WAIT_SECONDS + ")");
        } catch (SQLException e) {
            throw new IllegalStateException("promotion failed", e);
        }
        awaitTrue("select not pg_is_in_recovery()");
    }

    private void awaitTrue(String sql) {
        long deadline = System.nanoTime() + Duration.ofSeconds(PROMOTE_WAIT_SECONDS).toNanos();
        while (true) {
            try (Connection c = connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return;
                }
            } catch (SQLException e) {
                // not up yet
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("still not true after " + PROMOTE_WAIT_SECONDS
                        + " s: " + sql);
            }
            sleep();
        }
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, null);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String hostAndPort() {
        return "localhost:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop();
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                String name = source.getFileName().toString();
                if (name.equals("postmaster.pid") || name.equals("postmaster.opts")) {
                    continue;
                }
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
