package dev.credits.internal;

import dev.credits.CreditsEvents;
import dev.credits.event.CreditsEvent;
import dev.credits.spi.LedgerStore;
import dev.credits.spi.LedgerStore.StoredEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers committed events to in-process listeners on one thread, so each wallet's events arrive
 * in commit order. An event is marked delivered in the outbox only after its listeners ran; at
 * start, and whenever the in-memory queue overflowed, undelivered events are read back from the
 * outbox, which makes delivery at-least-once across crashes. With no listener nothing is marked.
 */
public final class EventDispatcher implements CreditsEvents, AutoCloseable {
    static final int QUEUE_EVENTS_MAX = 100_000;
    static final int RECOVERY_BATCH_EVENTS_MAX = 1_000;
    /** How long the dispatcher waits for an event before it checks whether it should stop. */
    static final long POLL_MS = 100;
    /** The pause after a failure to read or mark the outbox (the database away, say). */
    static final long FAILURE_PAUSE_MS = 1_000;
    /** How long {@link #close()} waits for the listeners to finish what they are given. */
    static final long CLOSE_WAIT_MS = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private record Subscription(Class<? extends CreditsEvent> type,
                                Consumer<? super CreditsEvent> listener) {
    }

    private final LedgerStore store;
    private final Clock clock;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final BlockingQueue<StoredEvent> queue = new ArrayBlockingQueue<>(QUEUE_EVENTS_MAX);
    private volatile boolean overflowed = true; // read the outbox's backlog once at start
    private volatile boolean running = true;
    private final Thread thread;
    /**
     * Outbox sequence numbers delivered lately, so that an event both queued and read back from
     * the outbox is delivered once. Only the dispatcher thread touches it.
     */
    private final Map<Long, Boolean> delivered = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > QUEUE_EVENTS_MAX + RECOVERY_BATCH_EVENTS_MAX;
        }
    };

    public EventDispatcher(LedgerStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.thread = new Thread(this::loop, "credits-events");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E extends CreditsEvent> void on(Class<E> type, Consumer<? super E> listener) {
        subscriptions.add(new Subscription(type, e -> ((Consumer<CreditsEvent>) listener).accept(e)));
    }

    /** Called after a commit with the events it wrote. */
    public void publish(List<StoredEvent> events) {
        if (subscriptions.isEmpty()) {
            return;
        }
        for (StoredEvent event : events) {
            if (!queue.offer(event)) {
                overflowed = true; // left undelivered in the outbox; recovered from there
            }
        }
    }

    private void loop() {
        while (running) {
            try {
                if (subscriptions.isEmpty()) {
                    Thread.sleep(50);
                    continue;
                }
                if (overflowed) {
                    overflowed = false;
                    recover();
                }
                StoredEvent first = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<StoredEvent> batch = new ArrayList<>();
                batch.add(first);
                queue.drainTo(batch, 999);
                deliver(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("event delivery failed; will retry from the outbox", e);
                overflowed = true;
                sleepQuietly();
            }
        }
    }

    /**
     * Delivers the outbox's backlog. The in-memory queue is left as it is: an event in both is
     * delivered once (see {@link #delivered}), and one committed after the outbox was read is
     * still in the queue.
     */
    private void recover() {
        while (true) {
            List<StoredEvent> backlog = store.undeliveredEvents(RECOVERY_BATCH_EVENTS_MAX);
            if (backlog.isEmpty()) {
                return;
            }
            deliver(backlog);
            if (backlog.size() < RECOVERY_BATCH_EVENTS_MAX) {
                return;
            }
        }
    }

    private void deliver(List<StoredEvent> batch) {
        List<StoredEvent> fresh = new ArrayList<>(batch.size());
        for (StoredEvent stored : batch) {
            if (!delivered.containsKey(stored.seq())) {
                fresh.add(stored);
            }
        }
        for (StoredEvent stored : fresh) {
            for (Subscription subscription : subscriptions) {
                if (subscription.type().isInstance(stored.event())) {
                    try {
                        subscription.listener().accept(stored.event());
                    } catch (RuntimeException e) {
                        LOG.warn("listener failed on {}", stored.event().name(), e);
                    }
                }
            }
            delivered.put(stored.seq(), Boolean.TRUE);
        }
        store.markDelivered(batch, clock.instant()); // duplicates too: the outbox forgets them
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(FAILURE_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
