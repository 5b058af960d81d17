package dev.credits.webhooks;

import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.NotFoundException;
import dev.credits.StorageUnavailableException;
import dev.credits.ValidationException;
import dev.credits.internal.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events out: webhook endpoints, the delivery of every event of the ledger's outbox to the
 * endpoints subscribed to it (Standard Webhooks signatures, retries with backoff for
 * {@link Backoff#RETRY_FOR}, leases so that several processes on one database send each attempt
 * once), and the event feed. Delivery runs on threads and connections of its own
 * ({@code dataSource}: give it a pool apart from the ledger's, e.g.
 * {@code PostgresLedger.backgroundDataSource()}), never on the write path.
 * <pre>{@code
 * Webhooks webhooks = Webhooks.open(credits, ledger.backgroundDataSource(),
 *         WebhooksConfig.defaults());
 * CreatedEndpoint made = webhooks.createEndpoint("https://example.com/hooks",
 *         List.of("credits.granted"), null, null);   // made.secret() is shown this once
 * webhooks.start();                                   // deliver in the background
 * }</pre>
 */
public final class Webhooks implements AutoCloseable {
    public static final int ENDPOINTS_MAX = 16;
    public static final int EVENT_TYPES_MAX = 64;
    public static final int DESCRIPTION_LENGTH_MAX = 1_000;
    /** A receiver must answer within this; a 2xx in time is success. */
    public static final Duration TIMEOUT = Duration.ofSeconds(15);
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long an attempt is leased to the process sending it (longer than {@link #TIMEOUT}). */
    public static final Duration LEASE = Duration.ofSeconds(60);
    /** Attempts to one endpoint in flight at once, per process. */
    public static final int IN_FLIGHT_PER_ENDPOINT_MAX = 16;
    /** Finished attempts are kept this long in the delivery log. */
    public static final Duration DELIVERY_LOG_RETENTION = Duration.ofDays(30);
    /** The largest body sent; an event over it fails its attempt (ledger events are small). */
    public static final int BODY_BYTES_MAX = 256 * 1024;
    static final int FAN_OUT_BATCH = 500;
    static final int PURGE_BATCH = 1_000;
    /** At most this many purge batches a minute: up to 14.4 million attempts a day. */
    static final int PURGE_ROUNDS_MAX = 10;
    /** How long a receiver may take to send its answer's body after its status. */
    static final long BODY_GRACE_MS = 5_000;
    static final int ERROR_TEXT_MAX = 300;
    public static final int LIST_LIMIT_MAX = 500;
    public static final int LIST_LIMIT_DEFAULT = 50;
    static final long PURGE_EVERY_MS = 60_000;
    /** How long a round waits for a sender before it looks for due work again. */
    static final long PROGRESS_WAIT_MS = 20;
    /** How long {@link #close()} waits for attempts in flight. */
    static final long CLOSE_WAIT_MS = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);

    private final Credits credits;
    private final WebhooksConfig config;
    private final WebhookStore store;
    private final AutoTopups autoTopups;
    private final UrlGuard guard;
    private final EventRenderer renderer;
    private final HttpClient http;
    private final Duration timeout;
    private final ExecutorService senders;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    /** Attempts the senders finished, waiting to be recorded. */
    private final java.util.Queue<WebhookStore.Finish> finished =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Object progress = new Object();
    private final Object passLock = new Object();
    private ScheduledExecutorService scheduler;
    private long lastPurgeMs;
    private volatile boolean closed;

    private Webhooks(Credits credits, DataSource dataSource, WebhooksConfig config,
                     Duration timeout) {
        this.credits = credits;
        this.timeout = timeout;
        this.config = config;
        this.store = new WebhookStore(dataSource, credits.creditTypes());
        this.autoTopups = AutoTopups.open(credits, dataSource);
        this.guard = new UrlGuard(config.allowPrivateNetworks());
        this.renderer = new EventRenderer(credits.creditTypes());
        this.senders = Executors.newFixedThreadPool(config.workers(), r -> {
            Thread thread = new Thread(r, "credits-webhook-send");
            thread.setDaemon(true);
            return thread;
        });
        // HTTP/1.1 with keep-alive: no h2c upgrade on every plain-http request.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Webhooks over the ledger's database ({@code dataSource}); nothing is sent until
     * {@link #start()} (or {@link #deliverDue()}).
     */
    public static Webhooks open(Credits credits, DataSource dataSource, WebhooksConfig config) {
        return new Webhooks(credits, dataSource, config, TIMEOUT);
    }

    /** With a shorter answer timeout than {@link #TIMEOUT}, for tests of a slow receiver. */
    static Webhooks open(Credits credits, DataSource dataSource, WebhooksConfig config,
                         Duration timeout) {
        return new Webhooks(credits, dataSource, config, timeout);
    }

    /** The wallets' auto top-up rules and requests (requested as events are fanned out). */
    public AutoTopups autoTopups() {
        return autoTopups;
    }

    // ---- endpoints

    /**
     * Makes an endpoint that receives {@code events} (wire names, or {@code "*"}); its secret is
     * in the answer only. With an {@code idempotencyKey} used before for the same endpoint, the
     * first answer again. Throws {@link ValidationException} for a URL that is not allowed, an
     * unknown event type, or more than {@link #ENDPOINTS_MAX} endpoints, and
     * {@link dev.credits.IdempotencyConflictException} for a key used for another endpoint.
     */
    public CreatedEndpoint createEndpoint(String url, List<String> events, String description,
                                          String idempotencyKey) {
        URI uri = guard.requireAllowed(url);
        List<String> types = requireEvents(events);
        requireDescription(description);
        if (idempotencyKey != null) {
            dev.credits.IdempotencyKeys.requireClient("Idempotency-Key", idempotencyKey);
        }
        return store.insertEndpoint(uri.toString(), types, description, Signatures.newSecret(),
                idempotencyKey, credits.now(), ENDPOINTS_MAX);
    }

    public List<Endpoint> endpoints() {
        return store.endpoints();
    }

    /** The endpoint; {@link NotFoundException} when there is none. */
    public Endpoint endpoint(String id) {
        Endpoint endpoint = id == null ? null : store.endpoint(id);
        if (endpoint == null) {
            throw new NotFoundException("webhook endpoint " + id + " not found");
        }
        return endpoint;
    }

    /**
     * Changes what is not null: the URL (checked as at creation), the event types, the status
     * ({@code enabled} or {@code disabled}; enabling again starts its failure count afresh), and,
     * when {@code setDescription}, the description.
     */
    public Endpoint updateEndpoint(String id, String url, List<String> events, String status,
                                   String description, boolean setDescription) {
        String checkedUrl = url == null ? null : guard.requireAllowed(url).toString();
        List<String> types = events == null ? null : requireEvents(events);
        if (status != null && !status.equals(Endpoint.ENABLED)
                && !status.equals(Endpoint.DISABLED)) {
            throw new ValidationException("status", "must be enabled or disabled");
        }
        if (setDescription) {
            requireDescription(description);
        }
        Endpoint updated = store.updateEndpoint(id, checkedUrl, types, status, description,
                setDescription, credits.now());
        if (updated == null) {
            throw new NotFoundException("webhook endpoint " + id + " not found");
        }
        return updated;
    }

    /** Deletes the endpoint and its delivery log; {@link NotFoundException} when there is none. */
    public void deleteEndpoint(String id) {
        if (id == null || !store.deleteEndpoint(id)) {
            throw new NotFoundException("webhook endpoint " + id + " not found");
        }
    }

    /**
     * A new signing secret, shown this once; the old one keeps signing beside it for
     * {@link WebhookStore#PREVIOUS_SECRET_LIFETIME}, so a receiver can switch without losing
     * deliveries.
     */
    public String rotateSecret(String id) {
        String secret = Signatures.newSecret();
        if (id == null || !store.rotateSecret(id, secret, credits.now())) {
            throw new NotFoundException("webhook endpoint " + id + " not found");
        }
        return secret;
    }

    private static List<String> requireEvents(List<String> events) {
        if (events == null || events.isEmpty()) {
            throw new ValidationException("events", "is required: a list of event types,"
                    + " or [\"*\"] for all");
        }
        if (events.size() > EVENT_TYPES_MAX) {
            throw new ValidationException("events", "must have at most " + EVENT_TYPES_MAX
                    + " entries");
        }
        return EventRenderer.requireTypes(events);
    }

    private static void requireDescription(String description) {
        if (description != null && description.length() > DESCRIPTION_LENGTH_MAX) {
            throw new ValidationException("description", "must be at most "
                    + DESCRIPTION_LENGTH_MAX + " characters");
        }
        Json.requireText("description", description);
    }

    // ---- the delivery log

    /** An endpoint's attempts, newest first; {@code cursor} from the page before, or null. */
    public Page<Delivery> deliveries(String endpointId, int limit, String cursor) {
        endpoint(endpointId);
        requireLimit(limit);
        Instant beforeAt = null;
        String beforeId = null;
        if (cursor != null) {
            String[] parts = decodeCursor(cursor, "d").split("\\|", 2);
            try {
                beforeAt = Instant.parse(parts[0]);
                beforeId = parts[1];
            } catch (RuntimeException e) {
                throw badCursor();
            }
        }
        List<Delivery> rows = store.deliveries(endpointId, limit + 1, beforeAt, beforeId);
        String next = null;
        if (rows.size() > limit) {
            rows = rows.subList(0, limit);
            Delivery last = rows.get(limit - 1);
            next = encodeCursor("d", last.createdAt() + "|" + last.id());
        }
        return new Page<>(List.copyOf(rows), next);
    }

    /** A new attempt of the delivery's event to its endpoint, due now. */
    public Delivery retry(String deliveryId) {
        Delivery retried = deliveryId == null ? null : store.retry(deliveryId, credits.now());
        if (retried == null) {
            throw new NotFoundException("webhook delivery " + deliveryId + " not found");
        }
        return retried;
    }

    public Delivery delivery(String id) {
        Delivery delivery = id == null ? null : store.delivery(id);
        if (delivery == null) {
            throw new NotFoundException("webhook delivery " + id + " not found");
        }
        return delivery;
    }

    // ---- the event feed

    /**
     * Events newest first, of one customer and one wire type when given, the same bodies the
     * webhooks send; {@code cursor} from the page before, or null.
     */
    public Page<Event> events(String customerId, String type, int limit, String cursor) {
        if (customerId != null) {
            CustomerIds.requireValid(customerId);
        }
        List<String> names;
        if (type == null) {
            names = List.copyOf(EventTypes.storedNames());
        } else if (!EventTypes.isKnown(type)) {
            throw new ValidationException("type", "'" + type + "' is not an event type");
        } else {
            names = EventTypes.storedNames(type);
        }
        requireLimit(limit);
        long before = Long.MAX_VALUE;
        if (cursor != null) {
            try {
                before = Long.parseLong(decodeCursor(cursor, "e"));
            } catch (NumberFormatException e) {
                throw badCursor();
            }
        }
        List<Event> out = new ArrayList<>();
        if (!names.isEmpty()) {
            for (WebhookStore.StoredEvent stored : store.feed(customerId, names, before,
                    limit + 1)) {
                out.add(render(stored));
            }
        }
        String next = null;
        if (out.size() > limit) {
            out = out.subList(0, limit);
            next = encodeCursor("e", Long.toString(out.get(limit - 1).seq()));
        }
        return new Page<>(List.copyOf(out), next);
    }

    /** The event; {@link NotFoundException} for an unknown id. */
    public Event event(String id) {
        long seq = Event.seqOf(id);
        WebhookStore.StoredEvent stored = seq < 0 ? null : store.event(seq);
        Event event = stored == null ? null : render(stored);
        if (event == null) {
            throw new NotFoundException("event " + id + " not found");
        }
        return event;
    }

    private Event render(WebhookStore.StoredEvent e) {
        return renderer.render(e.seq(), e.customerId(), e.creditType(), e.storedName(),
                e.payload(), e.createdAt(), e.sequence());
    }

    private static void requireLimit(int limit) {
        if (limit < 1 || limit > LIST_LIMIT_MAX) {
            throw new ValidationException("limit", "must be 1.." + LIST_LIMIT_MAX);
        }
    }

    private static String encodeCursor(String kind, String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((kind + ":" + position)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor, String kind) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw badCursor();
        }
        if (!text.startsWith(kind + ":")) {
            throw badCursor();
        }
        return text.substring(kind.length() + 1);
    }

    private static ValidationException badCursor() {
        return new ValidationException("cursor", "is not a cursor returned for this list");
    }

    // ---- delivering

    /** Starts delivering in the background, every {@link WebhooksConfig#pollIntervalMs()}. */
    public synchronized void start() {
        if (scheduler != null || config.pollIntervalMs() == 0) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "credits-webhooks");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::passQuietly, 0, config.pollIntervalMs(),
                TimeUnit.MILLISECONDS);
    }

    private void passQuietly() {
        try {
            pass();
        } catch (StorageUnavailableException e) {
            LOG.warn("webhook delivery paused: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("webhook delivery pass failed; will retry", e);
        }
    }

    /**
     * One pass, on the caller's thread, waiting for what it sends: fans out every new event,
     * then sends every delivery due now (as the background does). Returns the attempts it
     * finished. For tests and tools; the background's passes do the same.
     */
    public int deliverDue() {
        return pass();
    }

    /** Events not fanned out to endpoints yet. */
    public long backlog() {
        return store.backlog();
    }

    /** Attempts due now or later, or being sent: what delivery still has to do. */
    public long pendingDeliveries() {
        return store.pendingCount();
    }

    /**
     * Fans out new events, then keeps the senders busy: leases what is due (up to the free
     * senders, skipping endpoints with {@link #IN_FLIGHT_PER_ENDPOINT_MAX} in flight), hands it
     * to them, and records what they finished in one transaction per round, until nothing is due
     * and nothing is in flight (a retry waits for its time). Returns the attempts it recorded.
     */
    private int pass() {
        synchronized (passLock) {
            int recorded = 0;
            while (!closed) {
                Instant now = credits.now();
                // One fan-out batch a round, so that finished attempts are recorded between
                // them (well inside their leases) however long the backlog.
                boolean more = store.fanOut(now, FAN_OUT_BATCH) == FAN_OUT_BATCH;
                purgeNowAndThen(now);
                recorded += recordFinished();
                int free = config.workers() - running.get();
                List<WebhookStore.Leased> leased = free <= 0 ? List.of()
                        : withinEndpointLimits(store.lease(now, now.plus(LEASE), free,
                                fullEndpoints()));
                if (!leased.isEmpty()) {
                    send(leased);
                } else if (running.get() == 0 && finished.isEmpty() && !more) {
                    break;
                } else if (!more) {
                    awaitProgress();
                }
            }
            return recorded + recordFinished();
        }
    }

    /**
     * The leased deliveries that fit their endpoints' in-flight limits; the rest are given
     * back for a later round, so one slow endpoint cannot take every sender.
     */
    private List<WebhookStore.Leased> withinEndpointLimits(List<WebhookStore.Leased> leased) {
        Map<String, Integer> taken = new java.util.HashMap<>();
        List<WebhookStore.Leased> keep = new ArrayList<>();
        List<WebhookStore.Leased> back = new ArrayList<>();
        for (WebhookStore.Leased delivery : leased) {
            AtomicInteger busy = inFlight.get(delivery.endpointId());
            int already = (busy == null ? 0 : busy.get())
                    + taken.getOrDefault(delivery.endpointId(), 0);
            if (already < IN_FLIGHT_PER_ENDPOINT_MAX) {
                keep.add(delivery);
                taken.merge(delivery.endpointId(), 1, Integer::sum);
            } else {
                back.add(delivery);
            }
        }
        store.release(back);
        return keep;
    }

    /** Waits a moment for a sender to finish an attempt. */
    private void awaitProgress() {
        synchronized (progress) {
            if (finished.isEmpty()) {
                try {
                    progress.wait(PROGRESS_WAIT_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Records what the senders finished since the last time, in one transaction. If that
     * fails (the database away), the outcomes wait for the next round.
     */
    private int recordFinished() {
        List<WebhookStore.Finish> batch = new ArrayList<>();
        for (WebhookStore.Finish f; (f = finished.poll()) != null; ) {
            batch.add(f);
        }
        if (!batch.isEmpty()) {
            try {
                store.finishAll(batch);
            } catch (RuntimeException e) {
                finished.addAll(batch);
                throw e;
            }
        }
        return batch.size();
    }

    private void purgeNowAndThen(Instant now) {
        long wall = System.currentTimeMillis();
        if (wall - lastPurgeMs < PURGE_EVERY_MS) {
            return;
        }
        lastPurgeMs = wall;
        int purged = 0;
        for (int round = 0; round < PURGE_ROUNDS_MAX; round++) {
            int batch = store.purgeFinished(now.minus(DELIVERY_LOG_RETENTION), PURGE_BATCH);
            purged += batch;
            if (batch < PURGE_BATCH) {
                break;
            }
        }
        if (purged > 0) {
            LOG.info("forgot {} webhook attempts older than {} days", purged,
                    DELIVERY_LOG_RETENTION.toDays());
        }
    }

    private List<String> fullEndpoints() {
        List<String> full = new ArrayList<>();
        inFlight.forEach((id, count) -> {
            if (count.get() >= IN_FLIGHT_PER_ENDPOINT_MAX) {
                full.add(id);
            }
        });
        return full;
    }

    private void send(List<WebhookStore.Leased> leased) {
        Map<String, WebhookStore.Target> targets = store.targets(leased.stream()
                .map(WebhookStore.Leased::endpointId).distinct().toList());
        Map<Long, byte[]> bodies = new java.util.HashMap<>();
        store.events(leased.stream().map(WebhookStore.Leased::eventSeq).distinct().toList())
                .forEach((seq, stored) -> {
                    Event event = render(stored);
                    if (event != null) {
                        bodies.put(seq, EventRenderer.json(event.body())
                                .getBytes(StandardCharsets.UTF_8));
                    }
                });
        for (WebhookStore.Leased delivery : leased) {
            AtomicInteger count = inFlight.computeIfAbsent(delivery.endpointId(),
                    id -> new AtomicInteger());
            count.incrementAndGet();
            running.incrementAndGet();
            senders.execute(() -> {
                try {
                    finished.add(attempt(delivery, targets.get(delivery.endpointId()),
                            bodies.get(delivery.eventSeq())));
                } finally {
                    count.decrementAndGet();
                    running.decrementAndGet();
                    synchronized (progress) {
                        progress.notifyAll();
                    }
                }
            });
        }
    }

    /** Sends one attempt; returns how it went, for the next round to record. */
    private WebhookStore.Finish attempt(WebhookStore.Leased delivery,
                                        WebhookStore.Target target, byte[] body) {
        Outcome outcome;
        if (target == null || !Endpoint.ENABLED.equals(target.status())) {
            outcome = Outcome.failure(null, "the endpoint is disabled or gone");
        } else if (body == null) {
            outcome = Outcome.failure(null, "the event is no longer in the outbox");
        } else {
            outcome = post(target, Event.idOf(delivery.eventSeq()), body);
        }
        Instant now = credits.now();
        Instant retryAt = null;
        boolean endpointLive = target != null && Endpoint.ENABLED.equals(target.status());
        if (!outcome.succeeded() && endpointLive) {
            Instant next = now.plus(Backoff.delay(delivery.attempt()));
            retryAt = next.isAfter(delivery.firstAttemptAt().plus(Backoff.RETRY_FOR)) ? null
                    : next;
        }
        return new WebhookStore.Finish(delivery, outcome.succeeded(), outcome.status(),
                outcome.error(), now, retryAt);
    }

    private record Outcome(boolean succeeded, Integer status, String error) {
        /** A failure; its text is printable (no control characters) and short. */
        static Outcome failure(Integer status, String error) {
            String text = error.replaceAll("[\\p{Cntrl}\\p{Cs}]", " ");
            return new Outcome(false, status, text.length() > ERROR_TEXT_MAX
                    ? text.substring(0, ERROR_TEXT_MAX) : text);
        }
    }

    private Outcome post(WebhookStore.Target target, String eventId, byte[] body) {
        URI uri;
        try {
            uri = UrlGuard.parse(target.url());
        } catch (ValidationException e) {
            return Outcome.failure(null, "the URL is not valid: " + e.getMessage());
        }
        String refusal = guard.refusal(uri);
        if (refusal != null) {
            return Outcome.failure(null, "not sent: " + refusal);
        }
        if (body.length > BODY_BYTES_MAX) {
            return Outcome.failure(null, "the event is " + body.length + " bytes, over the "
                    + BODY_BYTES_MAX + "-byte limit");
        }
        long timestamp = System.currentTimeMillis() / 1_000; // wall time: replay protection
        List<String> signatures = new ArrayList<>();
        for (String secret : target.secretsAt(credits.now())) {
            signatures.add(Signatures.sign(secret, eventId, timestamp, body));
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "credits-webhooks/1")
                .header("webhook-id", eventId)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", String.join(" ", signatures))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        java.util.concurrent.CompletableFuture<HttpResponse<Void>> sending =
                http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        try {
            // The request timeout covers the answer's status; this covers its body too.
            int status = sending.get(timeout.toMillis() + BODY_GRACE_MS,
                    TimeUnit.MILLISECONDS).statusCode();
            if (status >= 200 && status < 300) {
                return new Outcome(true, status, null);
            }
            return Outcome.failure(status, "HTTP " + status);
        } catch (java.util.concurrent.TimeoutException e) {
            sending.cancel(true);
            return Outcome.failure(null, "no answer within " + timeout.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpConnectTimeoutException) {
                return Outcome.failure(null, "could not connect within "
                        + CONNECT_TIMEOUT.toSeconds() + " s");
            }
            if (cause instanceof HttpTimeoutException) {
                return Outcome.failure(null, "no answer within " + timeout.toMillis() + " ms");
            }
            return Outcome.failure(null, "could not deliver: " + (cause == null
                    || cause.getMessage() == null ? String.valueOf(cause)
                    : cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sending.cancel(true);
            return Outcome.failure(null, "interrupted while sending");
        }
    }

    /**
     * Stops delivering: no more leases; the attempts in flight get up to
     * {@link #CLOSE_WAIT_MS} to finish and what finished is recorded, so a restart does not
     * send them again.
     */
    @Override
    public void close() {
        closed = true;
        ScheduledExecutorService passes;
        synchronized (this) {
            passes = scheduler;
        }
        if (passes != null) {
            passes.shutdown();
        }
        senders.shutdown();
        try {
            senders.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            if (passes != null) {
                passes.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (passLock) {
                recordFinished();
            }
        } catch (RuntimeException e) {
            LOG.warn("could not record the last webhook attempts; they will be sent again", e);
        }
        senders.shutdownNow();
        if (passes != null) {
            passes.shutdownNow();
        }
    }
}
