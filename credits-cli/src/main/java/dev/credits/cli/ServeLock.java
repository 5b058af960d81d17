package dev.credits.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One {@code credits serve} per data directory. A second one would attach to the first's
 * embedded PostgreSQL, and lose its database when the first stops; so it is refused, naming the
 * process that serves the directory. The lock is the operating system's: it is gone with its
 * process, however that process ends. Its file lives in the temporary directory, named after the
 * data directory's path (PostgreSQL's initdb wants an empty directory, so it cannot live inside).
 * One-off commands ({@code keys}, {@code grant}, …) still attach to a running server's database.
 */
final class ServeLock implements AutoCloseable {
    static final String FILE_PREFIX = "credits-serve-";

    private final FileChannel channel;
    private final FileLock lock;

    private ServeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code dataDirectory}, or fails with the owner's pid. */
    static ServeLock acquire(Path dataDirectory) {
        Path path = lockFile(dataDirectory);
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String owner = Files.readString(path, StandardCharsets.UTF_8).trim();
                channel.close();
                throw new CliException(Main.EXIT_FAILURE, "the data directory "
                        + dataDirectory + " is already served by another credits serve"
                        + (owner.isEmpty() ? "" : " (pid " + owner + ")") + "; stop it, or give"
                        + " this one a directory of its own with --data", null);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.UTF_8)), 0);
            return new ServeLock(channel, lock);
        } catch (IOException e) {
            throw new CliException(Main.EXIT_FAILURE, "cannot lock the data directory "
                    + dataDirectory + ": " + e.getMessage(), e);
        }
    }

    /** The lock file of a data directory: one per absolute path. */
    static Path lockFile(Path dataDirectory) {
        String where = dataDirectory.toAbsolutePath().normalize().toString();
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(
                    where.getBytes(StandardCharsets.UTF_8));
            return Path.of(System.getProperty("java.io.tmpdir"), FILE_PREFIX
                    + HexFormat.of().formatHex(hash, 0, 12) + ".lock");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
