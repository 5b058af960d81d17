package dev.credits.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One {@code credits serve} per data directory. A second one would attach to the first's
 * embedded PostgreSQL, and lose its database when the first stops; so it is refused, naming the
 * process that serves the directory. The lock is the operating system's: it is gone with its
 * process, however that process ends. Its file lives beside the data directory (PostgreSQL's
 * initdb wants an empty directory, so it cannot live inside). One-off commands ({@code keys}, {@code grant}, …) still attach to a running server's database.
 */
final class ServeLock implements AutoCloseable {
    static final String FILE_SUFFIX = ".credits-serve.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private ServeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code dataDirectory}, or fails with the owner's pid. */
    static ServeLock acquire(Path dataDirectory) {
        try {
            Path path = lockFile(dataDirectory);
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

    /**
     * The lock file of a data directory, beside it ({@code .NAME.credits-serve.lock}): named
     * from the directory's real path, so a symbolic link or another working directory finds the
     * same file, and never inside it (initdb wants an empty directory).
     */
    static Path lockFile(Path dataDirectory) throws IOException {
        Files.createDirectories(dataDirectory);
        Path real = dataDirectory.toRealPath();
        Path parent = real.getParent() == null ? real : real.getParent();
        return parent.resolve("." + real.getFileName() + FILE_SUFFIX);
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
