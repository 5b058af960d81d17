package dev.credits.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.event.BalanceLow;
import dev.credits.event.CreditsEvent;
import dev.credits.spi.LedgerStore.StoredEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** In-process delivery: the outbox's backlog and the live queue, each event once, in order. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventDispatcherTest {

    /** An outbox: events stay undelivered until marked. */
    static class OutboxStore extends StubLedgerStore {
        final List<StoredEvent> outbox = new CopyOnWriteArrayList<>();
        final List<Long> marked = new CopyOnWriteArrayList<>();

        @Override
        public synchronized List<StoredEvent> undeliveredEvents(int limit) {
            List<StoredEvent> left = new ArrayList<>();
            for (StoredEvent event : outbox) {
                if (!marked.contains(event.seq()) && left.size() < limit) {
                    left.add(event);
                }
            }
            return left;
        }

        @Override
        public synchronized void markDelivered(List<StoredEvent> events, Instant now) {
            for (StoredEvent event : events) {
                if (!marked.contains(event.seq())) {
                    marked.add(event.seq());
                }
            }
        }
    }

    private static StoredEvent event(long seq) {
        return new StoredEvent(seq, new BalanceLow("c" + seq, "credits", Instant.EPOCH, seq, 0));
    }

    @Test
    void anEventBothInTheOutboxAndQueued_isDeliveredOnce_andAllAreMarked() throws Exception {
        OutboxStore store = new OutboxStore();
        store.outbox.addAll(List.of(event(1), event(2))); // committed before anyone listened
        List<Long> seen = new CopyOnWriteArrayList<>();
        try (EventDispatcher dispatcher = new EventDispatcher(store, Clock.systemUTC())) {
            dispatcher.on(CreditsEvent.class, e -> {
                long seq = ((BalanceLow) e).balanceUnits();
                seen.add(seq);
                if (seq == 2 && seen.size() == 2) {
                    // 2's committer publishes only now, while the backlog is being delivered,
                    // together with 3, committed after the outbox was read.
                    store.outbox.add(event(3));
                    dispatcher.publish(List.of(event(2), event(3)));
                }
            });
            awaitTrue(() -> store.marked.size() == 3);
            Thread.sleep(300); // time for a duplicate to show up, were there one
            assertThat(seen).containsExactly(1L, 2L, 3L);
            assertThat(store.marked).containsExactlyInAnyOrder(1L, 2L, 3L);
        }
    }

    @Test
    void anEventPublishedAsTheBacklogIsRead_isNotLost() throws Exception {
        CountDownLatch published = new CountDownLatch(1);
        OutboxStore store = new OutboxStore() {
            private boolean first = true;

            @Override
            public List<StoredEvent> undeliveredEvents(int limit) {
                List<StoredEvent> backlog = super.undeliveredEvents(limit);
                if (first) {
                    first = false;
                    // Another commit lands and is published right after the outbox was read.
                    outbox.add(event(9));
                    await(published);
                }
                return backlog;
            }
        };
        store.outbox.add(event(8));
        List<Long> seen = new CopyOnWriteArrayList<>();
        try (EventDispatcher dispatcher = new EventDispatcher(store, Clock.systemUTC())) {
            dispatcher.on(CreditsEvent.class, e -> seen.add(((BalanceLow) e).balanceUnits()));
            awaitTrue(() -> store.outbox.size() == 2);
            dispatcher.publish(List.of(event(9)));
            published.countDown();
            awaitTrue(() -> seen.size() >= 2);
            assertThat(seen).containsExactly(8L, 9L);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for a condition").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
