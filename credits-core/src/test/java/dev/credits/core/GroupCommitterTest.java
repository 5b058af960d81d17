package dev.credits.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Amount;
import dev.credits.GrantRecord;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.InvalidStateException;
import dev.credits.OverloadedException;
import dev.credits.VerifyReport;
import dev.credits.WalletBalance;
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
import org.junit.jupiter.api.Test;

/** Group commit against a store that records its batches, without a database. */
class GroupCommitterTest {

    /** Records each batch; can be told to block, or to fail batches of more than one. */
    static final class RecordingStore implements LedgerStore {
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile boolean failBatchesOfMany;

        @Override
        public BatchResult execute(List<Command> commands, Instant now) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batchSizes.add(commands.size());
            if (failBatchesOfMany && commands.size() > 1) {
                throw new IllegalStateException("simulated batch failure");
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

        @Override
        public WalletBalance wallet(WalletKey key, Instant now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Amount balanceAt(WalletKey key, Instant at, Instant now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public WalletBalance walletAt(WalletKey key, Instant at, Instant now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<GrantRecord> grants(String customerId, String creditType, boolean all,
                                        Instant now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public GrantRecord grant(String grantId, Instant now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HoldRecord hold(String holdId, Instant now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HistoryPage history(String customerId, History query) {
            throw new UnsupportedOperationException();
        }

        @Override
        public VerifyReport verify() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<WalletKey> walletsDueForSweep(Instant now, int limit) {
            return List.of();
        }

        @Override
        public int deleteIdempotencyKeysBefore(Instant cutoff) {
            return 0;
        }

        @Override
        public List<StoredEvent> undeliveredEvents(int limit) {
            return List.of();
        }

        @Override
        public void markDelivered(List<StoredEvent> events, Instant now) {
        }

        @Override
        public boolean isHealthy() {
            return true;
        }

        @Override
        public void close() {
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
    void concurrentCommands_shareBatches_andOneFailureIsOnlyItsOwn() throws Exception {
        RecordingStore store = new RecordingStore();
        store.gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(40);
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { })) {
            List<Future<LedgerStore.Outcome>> results = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                long units = i;
                results.add(pool.submit(() -> committer.submit(spend(units))));
            }
            Thread.sleep(200); // let them queue behind the blocked first batch
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
            List<Future<LedgerStore.Outcome>> results = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                long units = 100 + i;
                results.add(pool.submit(() -> committer.submit(spend(units))));
            }
            Thread.sleep(200);
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
    void fullQueue_pushesCallersBack() throws Exception {
        RecordingStore store = new RecordingStore();
        store.gate = new CountDownLatch(1);
        int queueMax = 4 * GroupCommitter.COMMITTERS;
        int capacity = queueMax / GroupCommitter.COMMITTERS; // one wallet: one partition
        ExecutorService pool = Executors.newFixedThreadPool(capacity + 1);
        try (GroupCommitter committer = new GroupCommitter(store, Clock.systemUTC(), e -> { },
                queueMax)) {
            // One command is taken by the blocked committer; the next ones fill its queue.
            List<Future<?>> waiting = new ArrayList<>();
            for (int i = 0; i <= capacity; i++) {
                waiting.add(pool.submit(() -> committer.submit(spend(1))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!isFull(committer, capacity) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
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

    private static boolean isFull(GroupCommitter committer, int capacity) {
        return committer.queuedCommands() >= capacity;
    }
}
