package dev.credits.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.InvalidStateException;
import dev.credits.OverloadedException;
import dev.credits.StorageUnavailableException;
import dev.credits.spi.LedgerStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Group commit against a store that records its batches, without a database. Every wait is
 * bounded: a broken committer fails a test, it never hangs the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitterTest {

    /** Records each batch; can be told to block, or to fail batches of more than one. */
    static final class RecordingStore extends StubLedgerStore {
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final AtomicInteger entered = new AtomicInteger();
        final AtomicInteger enteredCommands = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile boolean failBatchesOfMany;
        volatile RuntimeException batchFailure = new IllegalStateException("simulated failure");
        volatile Error error;

        @Override
        public BatchResult execute(List<Command<?>> commands, Instant now) {
            enteredCommands.addAndGet(commands.size());
            entered.incrementAndGet();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            batchSizes.add(commands.size());
            if (error != null) {
                throw error;
            }
            if (failBatchesOfMany && commands.size() > 1) {
                throw batchFailure;
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Command command : commands) {
                Command.Spend spend = (Command.Spend) command;
                outcomes.add(spend.amountUnits() == 13
                        ? Outcome.failed(new InvalidStateException("unlucky"))
                        : Outcome.of(spend.amountUnits(), false));
            }
            return new BatchResult(outcomes, List.of());
        }
    }

    private static Command.Spend spend(long units) {
        return new Command.Spend(new WalletKey("hot", "credits"), units, null, null, null, null);
    }

    @Test
    void idleSystem_commitsAtOnceInABatchOfOne() {
        RecordingStore store = new RecordingStore();
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { })) {
            assertThat(committer.submit(spend(5)).result()).isEqualTo(5L);
            assertThat(store.batchSizes).containsExactly(1);
        }
    }

    @Test
    void aFailingPublisher_neverSendsACommittedBatchAgain() {
        RecordingStore store = new RecordingStore();
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> {
            throw new IllegalStateException("listener broke");
        })) {
            assertThat(committer.submit(spend(7)).result()).isEqualTo(7L);
            assertThat(store.batchSizes).containsExactly(1);
        }
    }

    @Test
    void anErrorInTheStore_failsItsCaller_andTheCommitterLivesOn() {
        RecordingStore store = new RecordingStore();
        store.error = new AssertionError("simulated error");
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { })) {
            assertThatThrownBy(() -> committer.submit(spend(3)))
                    .hasRootCauseMessage("simulated error");
            store.error = null;
            assertThat(committer.submit(spend(4)).result()).isEqualTo(4L);
        }
    }

    @Test
    void close_failsWhatItCannotCommit_insteadOfLeavingCallersWaiting() throws Exception {
        RecordingStore store = new RecordingStore();
        store.gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { });
            Future<LedgerStore.Outcome> taken = pool.submit(() -> committer.submit(spend(1)));
            awaitTrue(() -> store.entered.get() == 1);
            Future<LedgerStore.Outcome> queued = pool.submit(() -> committer.submit(spend(2)));
            awaitTrue(() -> committer.queuedCommands() == 1);
            Thread closer = new Thread(committer::close);
            closer.start();
            closer.join(TimeUnit.MILLISECONDS.toMillis(GroupCommitter.CLOSE_WAIT_MS) + 5_000);
            assertThat(closer.isAlive()).isFalse();
            assertThatThrownBy(() -> queued.get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(StorageUnavailableException.class);
            store.gate.countDown();
            assertThat(taken.get(10, TimeUnit.SECONDS).result()).isEqualTo(1L);
            assertThatThrownBy(() -> committer.submit(spend(3)))
                    .isInstanceOf(OverloadedException.class);
        } finally {
            store.gate.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCommands_shareBatches_andOneFailureIsOnlyItsOwn() throws Exception {
        RecordingStore store = new RecordingStore();
        store.gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(40);
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { })) {
            List<Future<LedgerStore.Outcome>> results = submitBehindGate(store, committer, pool,
                    0, 40);
            store.gate.countDown();
            for (int i = 1; i <= 40; i++) {
                LedgerStore.Outcome outcome = results.get(i - 1).get(10, TimeUnit.SECONDS);
                if (i == 13) {
                    assertThat(outcome.error()).isInstanceOf(InvalidStateException.class);
                } else {
                    assertThat(outcome.result()).isEqualTo((long) i);
                }
            }
        } finally {
            store.gate.countDown();
            pool.shutdownNow();
        }
        assertThat(store.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
        assertThat(store.batchSizes).anyMatch(size -> size > 1);
    }

    @Test
    void aFailedBatch_isRetriedCommandByCommand() throws Exception {
        RecordingStore store = new RecordingStore();
        store.failBatchesOfMany = true;
        store.gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { })) {
            List<Future<LedgerStore.Outcome>> results = submitBehindGate(store, committer, pool,
                    100, 8);
            store.gate.countDown();
            for (int i = 1; i <= 8; i++) {
                assertThat(results.get(i - 1).get(10, TimeUnit.SECONDS).result())
                        .isEqualTo(100L + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchLostToAnUnavailableDatabase_isNotSentAgain_everyCallerGetsTheError()
            throws Exception {
        RecordingStore store = new RecordingStore();
        store.failBatchesOfMany = true;
        store.batchFailure = new StorageUnavailableException("connection lost while committing",
                null);
        store.gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { })) {
            List<Future<LedgerStore.Outcome>> results = submitBehindGate(store, committer, pool,
                    100, 8);
            store.gate.countDown();
            int unavailable = 0;
            for (Future<LedgerStore.Outcome> result : results) {
                try {
                    result.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(StorageUnavailableException.class);
                    unavailable++;
                }
            }
            assertThat(unavailable).isGreaterThan(1); // the failed batch's commands
            // each command reached the store exactly once
            assertThat(store.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(8);
        } finally {
            store.gate.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void fullQueue_pushesCallersBack() throws Exception {
        RecordingStore store = new RecordingStore();
        store.gate = new CountDownLatch(1);
        int queueMax = 4 * GroupCommitter.COMMITTERS;
        int capacity = queueMax / GroupCommitter.COMMITTERS; // one wallet: one partition
        ExecutorService pool = Executors.newFixedThreadPool(capacity + 1);
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { },
                queueMax)) {
            // The first command is taken by the committer, which then blocks in the store.
            List<Future<?>> waiting = new ArrayList<>();
            waiting.add(pool.submit(() -> committer.submit(spend(1))));
            awaitTrue(() -> store.entered.get() == 1);
            // The next ones fill its queue.
            for (int i = 0; i < capacity; i++) {
                waiting.add(pool.submit(() -> committer.submit(spend(1))));
            }
            awaitTrue(() -> committer.queuedCommands() == capacity);
            long began = System.nanoTime();
            assertThatThrownBy(() -> committer.submit(spend(1)))
                    .isInstanceOf(OverloadedException.class).hasMessageContaining("full");
            assertThat(System.nanoTime() - began).isGreaterThanOrEqualTo(
                    TimeUnit.MILLISECONDS.toNanos(GroupCommitter.ENQUEUE_TIMEOUT_MS));
            store.gate.countDown();
            for (Future<?> future : waiting) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            store.gate.countDown();
            pool.shutdownNow();
        }
    }

    /**
     * Submits spends of {@code base + 1 .. base + count} units from {@code pool} and waits until
     * each is either in the store's blocked first batch or queued behind it.
     */
    private static List<Future<LedgerStore.Outcome>> submitBehindGate(RecordingStore store,
            GroupCommitter committer, ExecutorService pool, long base, int count)
            throws InterruptedException {
        List<Future<LedgerStore.Outcome>> results = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            long units = base + i;
            results.add(pool.submit(() -> committer.submit(spend(units))));
        }
        awaitTrue(() -> store.enteredCommands.get() + committer.queuedCommands() == count);
        return results;
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for a condition").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
