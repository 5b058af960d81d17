package dev.credits;

import dev.credits.internal.GroupCommitter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * How to open {@link Credits}. Immutable; each {@code with…} returns a copy.
 *
 * @param databaseUrl      a JDBC URL; null starts the embedded PostgreSQL in {@code dataDirectory}
 * @param databaseUser     user for {@code databaseUrl}, may be null
 * @param databasePassword password for {@code databaseUrl}, may be null
 * @param dataDirectory    where the embedded database keeps its files (default {@code ./data})
 * @param creditTypes      the configured credit types
 * @param clock            the time every rule follows; inject a fixed or moving clock in tests
 * @param durable          embedded only: run with {@code fsync} and {@code synchronous_commit} on
 * @param poolSize         database connections
 * @param sweepIntervalMs  how often the background sweeper records due expiries; 0 turns it off
 * @param groupCommit      apply concurrent commands in batches, one transaction per batch
 *                         (default); false runs one transaction per command
 * @param groupCommitQueueCommandsMax with group commit: commands waiting for a batch, at most,
 *                         before callers are pushed back ({@link OverloadedException});
 *                         1..{@link #GROUP_COMMIT_QUEUE_COMMANDS_MAX}
 */
public record CreditsConfig(String databaseUrl, String databaseUser, String databasePassword,
                            Path dataDirectory, CreditTypes creditTypes, Clock clock,
                            boolean durable, int poolSize, long sweepIntervalMs,
                            boolean groupCommit, int groupCommitQueueCommandsMax) {

    public static final int POOL_SIZE_DEFAULT = 16;
    public static final int POOL_SIZE_MAX = 200;
    public static final long SWEEP_INTERVAL_MS_DEFAULT = 5_000;
    public static final int GROUP_COMMIT_QUEUE_COMMANDS_DEFAULT = GroupCommitter.QUEUE_COMMANDS_MAX;
    /** A queue this long holds about a second of the fastest batched spending measured. */
    public static final int GROUP_COMMIT_QUEUE_COMMANDS_MAX = 65_536;

    public CreditsConfig {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(creditTypes, "creditTypes");
        Objects.requireNonNull(clock, "clock");
        if (poolSize < 1 || poolSize > POOL_SIZE_MAX) {
            throw new IllegalArgumentException("poolSize must be 1.." + POOL_SIZE_MAX);
        }
        if (sweepIntervalMs < 0) {
            throw new IllegalArgumentException("sweepIntervalMs must not be negative");
        }
        if (groupCommitQueueCommandsMax < 1
                || groupCommitQueueCommandsMax > GROUP_COMMIT_QUEUE_COMMANDS_MAX) {
            throw new IllegalArgumentException("groupCommitQueueCommandsMax must be 1.."
                    + GROUP_COMMIT_QUEUE_COMMANDS_MAX);
        }
    }

    /** The embedded database in {@code ./data}, the default credit type, durable, system clock. */
    public static CreditsConfig defaults() {
        return new CreditsConfig(null, null, null, Path.of("data"), CreditTypes.defaults(),
                Clock.systemUTC(), true, POOL_SIZE_DEFAULT, SWEEP_INTERVAL_MS_DEFAULT, true,
                GROUP_COMMIT_QUEUE_COMMANDS_DEFAULT);
    }

    public CreditsConfig withDatabase(String url, String user, String password) {
        return new CreditsConfig(url, user, password, dataDirectory, creditTypes, clock, durable,
                poolSize, sweepIntervalMs,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withDataDirectory(Path directory) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, directory,
                creditTypes, clock, durable, poolSize, sweepIntervalMs,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withCreditTypes(CreditTypes types) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory, types,
                clock, durable, poolSize, sweepIntervalMs,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withClock(Clock value) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory,
                creditTypes, value, durable, poolSize, sweepIntervalMs,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withDurable(boolean value) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory,
                creditTypes, clock, value, poolSize, sweepIntervalMs,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withPoolSize(int value) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory,
                creditTypes, clock, durable, value, sweepIntervalMs,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withSweepIntervalMs(long value) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory,
                creditTypes, clock, durable, poolSize, value,
                groupCommit, groupCommitQueueCommandsMax);
    }

    public CreditsConfig withGroupCommit(boolean value) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory,
                creditTypes, clock, durable, poolSize, sweepIntervalMs, value,
                groupCommitQueueCommandsMax);
    }

    public CreditsConfig withGroupCommitQueueCommandsMax(int value) {
        return new CreditsConfig(databaseUrl, databaseUser, databasePassword, dataDirectory,
                creditTypes, clock, durable, poolSize, sweepIntervalMs, groupCommit, value);
    }
}
