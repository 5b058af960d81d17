package dev.credits.internal;

import dev.credits.OverloadedException;
import dev.credits.StorageUnavailableException;
import dev.credits.spi.LedgerStore;
import dev.credits.spi.LedgerStore.BatchResult;
import dev.credits.spi.LedgerStore.Outcome;
import dev.credits.spi.LedgerStore.StoredEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent commands wait in a bounded queue and are applied in batches, one
 * database transaction per batch. There are {@link #COMMITTERS} queues, each with one committer
 * thread; a command goes to the queue of its wallet, so one wallet's commands are batched
 * together (a hot wallet is locked once per batch, not once per command) and committers never
 * wait for each other's wallet locks. A committer takes whatever is queued (up to
 * {@link #BATCH_COMMANDS_MAX}) the moment it is free, so on an idle system a command commits at
 * once and under load the batches grow by themselves. One command's failure is that command's
 * outcome; if a whole batch fails, its commands are retried one by one so that no command fails
 * for another's sake — unless the storage was unavailable, when the outcome may be unknown and
 * every caller gets the error (a retry with its idempotency key is then safe). When the queue is full, callers are pushed back with
 * {@link OverloadedException} after {@link #ENQUEUE_TIMEOUT_MS}.
 */
public final class GroupCommitter implements AutoCloseable {
    public static final int BATCH_COMMANDS_MAX = 256;
    public static final int QUEUE_COMMANDS_MAX = 8_192;
    public static final int COMMITTERS = Integer.getInteger("credits.committers", 2);
    public static final long ENQUEUE_TIMEOUT_MS = 1_000;
    /** How long {@link #close()} waits for the committers to finish what is queued. */
    public static final long CLOSE_WAIT_MS = 10_000;
    /**
     * How long a committer waits for more commands once it has one. Zero: a command on an idle
     * system commits at once; under load, batches form from what queued during the last commit.
     */
    public static final long BATCH_LINGER_MS = 0;
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);

    private record Pending(Command<?> command, CompletableFuture<Outcome> result) {
    }

    private final LedgerStore store;
    private final Clock clock;
    private final Consumer<List<StoredEvent>> publisher;
    private final List<BlockingQueue<Pending>> queues = new ArrayList<>();
    private final List<Thread> committers = new ArrayList<>();
    private volatile boolean running = true;

    public GroupCommitter(LedgerStore store, Clock clock, Consumer<List<StoredEvent>> publisher) {
        this(store, clock, publisher, QUEUE_COMMANDS_MAX);
    }

    /** With a queue of {@code queueCommandsMax} commands in all, shared out over the committers. */
    public GroupCommitter(LedgerStore store, Clock clock, Consumer<List<StoredEvent>> publisher,
                   int queueCommandsMax) {
        this.store = store;
        this.clock = clock;
        this.publisher = publisher;
        for (int i = 0; i < COMMITTERS; i++) {
            BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(
                    Math.max(1, queueCommandsMax / COMMITTERS));
            queues.add(queue);
            Thread thread = new Thread(() -> loop(queue), "credits-commit-" + i);
            thread.setDaemon(true);
            thread.start();
            committers.add(thread);
        }
    }

    /** Queues the command and waits for its outcome. */
    public Outcome submit(Command<?> command) {
        Pending pending = new Pending(command, new CompletableFuture<>());
        BlockingQueue<Pending> queue = queues.get(Math.floorMod(command.target().routingKey().hashCode(),
                COMMITTERS));
        try {
            if (!running || !queue.offer(pending, ENQUEUE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new OverloadedException("the ledger's write queue is full; retry later");
            }
            if (!running && queue.remove(pending)) {
                // Queued as the committers stopped: nobody will take it now.
                throw new StorageUnavailableException("the ledger is shutting down; retry", null);
            }
            return pending.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageUnavailableException("interrupted while waiting for a commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Commands waiting, over all queues; for monitoring and tests. */
    public int queuedCommands() {
        int queued = 0;
        for (BlockingQueue<Pending> queue : queues) {
            queued += queue.size();
        }
        return queued;
    }

    private void loop(BlockingQueue<Pending> queue) {
        List<Pending> batch = new ArrayList<>(BATCH_COMMANDS_MAX);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                if (BATCH_LINGER_MS > 0) {
                    Thread.sleep(BATCH_LINGER_MS);
                }
                queue.drainTo(batch, BATCH_COMMANDS_MAX - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failAll(batch, new StorageUnavailableException("the committer was interrupted", e));
                break;
            } catch (Throwable e) {
                // Whatever happens, no caller is left waiting forever, and the committer lives on.
                LOG.error("the committer failed a batch of {}", batch.size(), e);
                failAll(batch, e);
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Pending> batch) {
        List<Command<?>> commands = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            commands.add(pending.command());
        }
        BatchResult result;
        try {
            result = store.execute(commands, now());
        } catch (RuntimeException e) {
            if (batch.size() == 1 || e instanceof StorageUnavailableException) {
                // Unavailable: the database is gone, or the connection was lost while committing
                // and the batch may have been applied. Sending it again could apply it twice.
                for (Pending pending : batch) {
                    pending.result().completeExceptionally(e);
                }
                return;
            }
            LOG.warn("a batch of {} failed; applying its commands one by one", batch.size(), e);
            for (Pending pending : batch) {
                commit(List.of(pending));
            }
            return;
        }
        // Committed: from here on nothing may send the commands to the store again.
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(result.outcomes().get(i));
        }
        try {
            publisher.accept(result.events());
        } catch (RuntimeException e) {
            LOG.warn("publishing {} events failed; they stay in the outbox",
                    result.events().size(), e);
        }
    }

    private static void failAll(List<Pending> batch, Throwable cause) {
        for (Pending pending : batch) {
            pending.result().completeExceptionally(cause);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Stops taking commands. Those already queued are committed first, by their committers; any a
     * committer could not reach within {@link #CLOSE_WAIT_MS} fail with
     * {@link StorageUnavailableException}, so that no caller waits forever.
     */
    @Override
    public void close() {
        running = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        for (Thread thread : committers) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(
                        deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Pending> left = new ArrayList<>();
        for (BlockingQueue<Pending> queue : queues) {
            queue.drainTo(left);
        }
        failAll(left, new StorageUnavailableException("the ledger is shutting down; retry", null));
    }
}
