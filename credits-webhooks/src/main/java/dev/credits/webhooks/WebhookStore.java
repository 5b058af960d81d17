package dev.credits.webhooks;

import dev.credits.IdempotencyConflictException;
import dev.credits.internal.Ids;
import dev.credits.postgres.Jdbc;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/** The webhook tables (V9): endpoints, the deliveries of each event, and the outbox's marks. */
final class WebhookStore {
    static final String ENDPOINT_PREFIX = "whe_";
    static final String DELIVERY_PREFIX = "whd_";
    /** How long a rotated-out secret keeps signing. */
    static final Duration PREVIOUS_SECRET_LIFETIME = Duration.ofHours(24);
    private static final String ENDPOINT_COLUMNS = "id, url, events, description, status,"
            + " created_at, updated_at";
    private static final String DELIVERY_COLUMNS = "id, endpoint_id, event_seq, event_type,"
            + " attempt, status, response_status, error, created_at, next_attempt_at";

    /** A delivery taken to be sent, with what sending needs. */
    /**
     * A delivery taken to be sent. {@code leasedUntil} is this lease's token: the outcome is
     * recorded only while the row still carries it, so a sender whose lease ran out (and whose
     * attempt another process took) records nothing.
     */
    record Leased(String id, String endpointId, long eventSeq, String eventType, int attempt,
                  Instant firstAttemptAt, Instant leasedUntil) {
    }

    /** Where an endpoint's deliveries go and the secrets that sign them. */
    record Target(String id, String url, String status, String secret, String previousSecret,
                  Instant previousSecretUntil, Instant failingSince) {
        List<String> secretsAt(Instant now) {
            return previousSecret != null && previousSecretUntil != null
                    && previousSecretUntil.isAfter(now) ? List.of(secret, previousSecret)
                    : List.of(secret);
        }
    }

    /** An event as the outbox keeps it. */
    record StoredEvent(long seq, String customerId, String creditType, String storedName,
                       String payload, Instant createdAt, Long sequence) {
    }

    private final DataSource dataSource;
    private final dev.credits.CreditTypes types;

    WebhookStore(DataSource dataSource, dev.credits.CreditTypes types) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.types = types;
    }

    <T> T inTransaction(Jdbc.Work<T> work) {
        return Jdbc.inTransaction(dataSource, work);
    }

    /**
     * A transaction of delivery bookkeeping, committed without waiting for the disk
     * ({@code synchronous_commit = off}): everything here is derived from the outbox, which is
     * durable, so a commit lost in a crash only means work done again — an attempt sent once
     * more, which at-least-once delivery allows — and the write path's fsyncs are not shared
     * with it.
     */
    <T> T inBackgroundTransaction(Jdbc.Work<T> work) {
        return Jdbc.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "set local synchronous_commit = off")) {
                ps.execute();
            }
            return work.run(c);
        });
    }

    // ---- endpoints

    /**
     * Inserts an endpoint; with an idempotency key used before, returns the endpoint made then
     * (same url, events and description) or throws {@link IdempotencyConflictException}.
     */
    CreatedEndpoint insertEndpoint(String url, List<String> events, String description,
                                   String secret, String key, Instant now, int endpointsMax) {
        return inTransaction(c -> {
            // One creation at a time, so that racing ones cannot pass the limit together.
            try (PreparedStatement ps = c.prepareStatement(
                    "select pg_advisory_xact_lock(hashtext('webhook_endpoints'))")) {
                ps.execute();
            }
            if (key != null) {
                try (PreparedStatement ps = c.prepareStatement("select " + ENDPOINT_COLUMNS
                        + ", secret from webhook_endpoints where idempotency_key = ?")) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            Endpoint first = endpoint(rs);
                            if (!first.url().equals(url) || !first.events().equals(events)
                                    || !Objects.equals(first.description(), description)) {
                                throw new IdempotencyConflictException(key);
                            }
                            return new CreatedEndpoint(first, rs.getString("secret"), true);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select count(*) from webhook_endpoints");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) >= endpointsMax) {
                    throw new dev.credits.ValidationException("url", "there are "
                            + endpointsMax + " endpoints already, the most there may be;"
                            + " delete one first");
                }
            }
            String id = Ids.withPrefix(ENDPOINT_PREFIX);
            try (PreparedStatement ps = c.prepareStatement("insert into webhook_endpoints (id,"
                    + " url, events, description, status, secret, created_at, updated_at,"
                    + " idempotency_key) values (?, ?, ?, ?, 'enabled', ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, url);
                ps.setArray(3, c.createArrayOf("text", events.toArray()));
                ps.setString(4, description);
                ps.setString(5, secret);
                Jdbc.setInstant(ps, 6, now);
                Jdbc.setInstant(ps, 7, now);
                ps.setString(8, key);
                ps.executeUpdate();
            }
            return new CreatedEndpoint(new Endpoint(id, url, events, description,
                    Endpoint.ENABLED, now, now), secret, false);
        });
    }

    List<Endpoint> endpoints() {
        return inTransaction(c -> {
            List<Endpoint> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select " + ENDPOINT_COLUMNS
                    + " from webhook_endpoints order by created_at desc, id desc");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(endpoint(rs));
                }
            }
            return out;
        });
    }

    Endpoint endpoint(String id) {
        return inTransaction(c -> endpoint(c, id, false));
    }

    private static Endpoint endpoint(Connection c, String id, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + ENDPOINT_COLUMNS
                + " from webhook_endpoints where id = ?" + (lock ? " for update" : ""))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? endpoint(rs) : null;
            }
        }
    }

    /** Changes what is given (null: unchanged); null when there is no such endpoint. */
    Endpoint updateEndpoint(String id, String url, List<String> events, String status,
                            String description, boolean setDescription, Instant now) {
        return inTransaction(c -> {
            Endpoint current = endpoint(c, id, true);
            if (current == null) {
                return null;
            }
            Endpoint next = new Endpoint(id, url != null ? url : current.url(),
                    events != null ? events : current.events(),
                    setDescription ? description : current.description(),
                    status != null ? status : current.status(), current.createdAt(), now);
            try (PreparedStatement ps = c.prepareStatement("update webhook_endpoints set url = ?,"
                    + " events = ?, description = ?, status = ?, updated_at = ?,"
                    + " failing_since = case when ? then null else failing_since end"
                    + " where id = ?")) {
                ps.setString(1, next.url());
                ps.setArray(2, c.createArrayOf("text", next.events().toArray()));
                ps.setString(3, next.description());
                ps.setString(4, next.status());
                Jdbc.setInstant(ps, 5, now);
                // Enabling again starts the failure clock afresh.
                ps.setBoolean(6, Endpoint.ENABLED.equals(status)
                        && Endpoint.DISABLED.equals(current.status()));
                ps.setString(7, id);
                ps.executeUpdate();
            }
            return next;
        });
    }

    boolean deleteEndpoint(String id) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "delete from webhook_endpoints where id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Makes {@code secret} the signing secret; the old one signs too for a day. */
    boolean rotateSecret(String id, String secret, Instant now) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update webhook_endpoints set"
                    + " previous_secret = secret, previous_secret_until = ?, secret = ?,"
                    + " updated_at = ? where id = ?")) {
                Jdbc.setInstant(ps, 1, now.plus(PREVIOUS_SECRET_LIFETIME));
                ps.setString(2, secret);
                Jdbc.setInstant(ps, 3, now);
                ps.setString(4, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static Endpoint endpoint(ResultSet rs) throws SQLException {
        return new Endpoint(rs.getString("id"), rs.getString("url"),
                List.of((String[]) rs.getArray("events").getArray()), rs.getString("description"),
                rs.getString("status"), Jdbc.getInstant(rs, "created_at"),
                Jdbc.getInstant(rs, "updated_at"));
    }

    // ---- fan-out: each new outbox event becomes one delivery per subscribed endpoint

    /**
     * Takes up to {@code limit} events no process has fanned out yet ({@code SKIP LOCKED}: two
     * processes take different ones), makes a pending delivery for each enabled endpoint that
     * receives its type, and marks them fanned out, in one transaction. Returns how many events
     * it took (0: the outbox is drained).
     */
    int fanOut(Instant now, int limit) {
        return inBackgroundTransaction(c -> {
            List<Long> seqs = new ArrayList<>();
            List<String> names = new ArrayList<>();
            java.util.Set<dev.credits.internal.WalletKey> wallets = new java.util.TreeSet<>();
            try (PreparedStatement ps = c.prepareStatement("select seq, event_type,"
                    + " customer_id, credit_type from outbox where webhooks_at is null"
                    + " order by seq limit ? for update skip locked")) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        seqs.add(rs.getLong(1));
                        names.add(rs.getString(2));
                        // Only a change to the wallet asks for a top-up: not the top-ups'
                        // own events (a failure is no change), nor other modules' events.
                        if (!rs.getString(4).isEmpty() && types.contains(rs.getString(4))
                                && EventTypes.isLedgerEvent(rs.getString(2))) {
                            wallets.add(new dev.credits.internal.WalletKey(rs.getString(3),
                                    rs.getString(4)));
                        }
                    }
                }
            }
            if (seqs.isEmpty()) {
                return 0;
            }
            // A change that left a wallet low asks for its top-up here, once.
            AutoTopups.requestDue(c, List.copyOf(wallets), now, types);
            List<Endpoint> enabled = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select " + ENDPOINT_COLUMNS
                    + " from webhook_endpoints where status = 'enabled'");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    enabled.add(endpoint(rs));
                }
            }
            if (!enabled.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("insert into webhook_deliveries"
                        + " (id, endpoint_id, event_seq, event_type, attempt, status, created_at,"
                        + " first_attempt_at, next_attempt_at) values (?, ?, ?, ?, 1, 'pending',"
                        + " ?, ?, ?)")) {
                    for (int i = 0; i < seqs.size(); i++) {
                        String type = EventTypes.wireName(names.get(i));
                        if (type == null) {
                            continue;
                        }
                        for (Endpoint endpoint : enabled) {
                            if (endpoint.receives(type)) {
                                ps.setString(1, Ids.withPrefix(DELIVERY_PREFIX));
                                ps.setString(2, endpoint.id());
                                ps.setLong(3, seqs.get(i));
                                ps.setString(4, type);
                                Jdbc.setInstant(ps, 5, now);
                                Jdbc.setInstant(ps, 6, now);
                                Jdbc.setInstant(ps, 7, now);
                                ps.addBatch();
                            }
                        }
                    }
                    ps.executeBatch();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "update outbox set webhooks_at = ? where seq = any(?)")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setArray(2, c.createArrayOf("bigint", seqs.toArray()));
                ps.executeUpdate();
            }
            return seqs.size();
        });
    }

    /** Events not yet fanned out: the backlog. */
    long backlog() {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select count(*) from outbox where webhooks_at is null");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Attempts due or being sent. */
    long pendingCount() {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select count(*) from webhook_deliveries where status = 'pending'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    // ---- sending

    /**
     * Leases up to {@code limit} due deliveries until {@code leasedUntil}: no other process takes
     * them before then ({@code SKIP LOCKED} while leasing, the lease after). A process that dies
     * while sending leaves its lease to run out, and another sends the attempt.
     */
    List<Leased> lease(Instant now, Instant leasedUntil, int limit, List<String> fullEndpoints) {
        return inBackgroundTransaction(c -> {
            List<Leased> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("update webhook_deliveries d set"
                    + " leased_until = ? from (select id from webhook_deliveries"
                    + " where status = 'pending' and next_attempt_at <= ?"
                    + " and (leased_until is null or leased_until <= ?)"
                    + " and endpoint_id <> all(?) order by next_attempt_at limit ?"
                    + " for update skip locked) due where d.id = due.id"
                    + " returning d.id, d.endpoint_id, d.event_seq, d.event_type, d.attempt,"
                    + " d.first_attempt_at")) {
                Jdbc.setInstant(ps, 1, leasedUntil);
                Jdbc.setInstant(ps, 2, now);
                Jdbc.setInstant(ps, 3, now);
                ps.setArray(4, c.createArrayOf("text", fullEndpoints.toArray()));
                ps.setInt(5, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Leased(rs.getString(1), rs.getString(2), rs.getLong(3),
                                rs.getString(4), rs.getInt(5), Jdbc.getInstant(rs, 6),
                                leasedUntil));
                    }
                }
            }
            return out;
        });
    }

    /** Gives leased deliveries back unsent (over an endpoint's in-flight limit). */
    void release(List<Leased> deliveries) {
        if (deliveries.isEmpty()) {
            return;
        }
        inBackgroundTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update webhook_deliveries"
                    + " set leased_until = null where id = any(?) and leased_until = ?")) {
                ps.setArray(1, c.createArrayOf("text", deliveries.stream().map(Leased::id)
                        .toArray()));
                Jdbc.setInstant(ps, 2, deliveries.get(0).leasedUntil());
                return ps.executeUpdate();
            }
        });
    }

    Map<String, Target> targets(List<String> endpointIds) {
        return inTransaction(c -> {
            Map<String, Target> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select id, url, status, secret,"
                    + " previous_secret, previous_secret_until, failing_since"
                    + " from webhook_endpoints where id = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", endpointIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), new Target(rs.getString(1), rs.getString(2),
                                rs.getString(3), rs.getString(4), rs.getString(5),
                                Jdbc.getInstant(rs, 6), Jdbc.getInstant(rs, 7)));
                    }
                }
            }
            return out;
        });
    }

    Map<Long, StoredEvent> events(List<Long> seqs) {
        return inTransaction(c -> {
            Map<Long, StoredEvent> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select seq, customer_id,"
                    + " credit_type, event_type, payload::text, created_at, sequence"
                    + " from outbox where seq = any(?)")) {
                ps.setArray(1, c.createArrayOf("bigint", seqs.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        StoredEvent event = storedEvent(rs);
                        out.put(event.seq(), event);
                    }
                }
            }
            return out;
        });
    }

    /** How one attempt went, to be recorded by {@link #finishAll}. */
    record Finish(Leased delivery, boolean succeeded, Integer responseStatus, String error,
                  Instant now, Instant retryAt) {
    }

    /**
     * Records the outcomes of several attempts in one transaction: the successes in one
     * statement, each failure as {@link #finish} does.
     */
    void finishAll(List<Finish> finished) {
        inBackgroundTransaction(c -> {
            // Endpoint rows first, in id order, then deliveries: two processes recording
            // outcomes for the same endpoints never wait for each other in a circle.
            try (PreparedStatement ps = c.prepareStatement("select id from webhook_endpoints"
                    + " where id = any(?) order by id for no key update")) {
                ps.setArray(1, c.createArrayOf("text", finished.stream()
                        .map(f -> f.delivery().endpointId()).distinct().toArray()));
                ps.executeQuery().close();
            }
            List<Finish> succeeded = finished.stream().filter(Finish::succeeded)
                    .sorted(java.util.Comparator.comparing(f -> f.delivery().id())).toList();
            if (!succeeded.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("update webhook_deliveries d"
                        + " set status = 'succeeded', response_status = v.s, error = null,"
                        + " finished_at = v.t::timestamptz, next_attempt_at = null,"
                        + " leased_until = null"
                        + " from unnest(?::text[], ?::int[], ?::text[], ?::text[])"
                        + " as v(id, s, t, l)"
                        + " where d.id = v.id and d.status = 'pending'"
                        + " and d.leased_until = v.l::timestamptz")) {
                    ps.setArray(1, c.createArrayOf("text", succeeded.stream()
                            .map(f -> f.delivery().id()).toArray()));
                    ps.setArray(2, c.createArrayOf("integer", succeeded.stream()
                            .map(Finish::responseStatus).toArray()));
                    ps.setArray(3, c.createArrayOf("text", succeeded.stream()
                            .map(f -> f.now().toString()).toArray()));
                    ps.setArray(4, c.createArrayOf("text", succeeded.stream()
                            .map(f -> f.delivery().leasedUntil().toString()).toArray()));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("update webhook_endpoints"
                        + " set failing_since = null where id = any(?)"
                        + " and failing_since is not null")) {
                    ps.setArray(1, c.createArrayOf("text", succeeded.stream()
                            .map(f -> f.delivery().endpointId()).distinct().toArray()));
                    ps.executeUpdate();
                }
            }
            List<Finish> failed = finished.stream().filter(f -> !f.succeeded())
                    .sorted(java.util.Comparator.comparing(f -> f.delivery().id())).toList();
            for (Finish f : failed) {
                finish(c, f.delivery(), false, f.responseStatus(), f.error(), f.now(),
                        f.retryAt());
            }
            return null;
        });
    }

    /**
     * Records a delivery's outcome, once: a second finisher of the same attempt (whose lease ran
     * out while it was sending) changes nothing. A failure schedules the next attempt at
     * {@code retryAt} (null: no more), and an endpoint failing since {@link Backoff#DISABLE_AFTER}
     * is disabled, with a {@code webhook_endpoint.disabled} event. Returns whether this call
     * recorded it.
     */
    private static boolean finish(Connection c, Leased delivery, boolean succeeded,
                                  Integer responseStatus, String error, Instant now,
                                  Instant retryAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update webhook_deliveries set"
                + " status = ?, response_status = ?, error = ?, finished_at = ?,"
                + " next_attempt_at = ?, leased_until = null"
                + " where id = ? and status = 'pending' and leased_until = ?")) {
            ps.setString(1, succeeded ? Delivery.SUCCEEDED : Delivery.FAILED);
            if (responseStatus == null) {
                ps.setNull(2, java.sql.Types.INTEGER);
            } else {
                ps.setInt(2, responseStatus);
            }
            ps.setString(3, error);
            Jdbc.setInstant(ps, 4, now);
            Jdbc.setInstant(ps, 5, succeeded ? null : retryAt);
            ps.setString(6, delivery.id());
            Jdbc.setInstant(ps, 7, delivery.leasedUntil());
            if (ps.executeUpdate() != 1) {
                return false;
            }
        }
        if (succeeded) {
            try (PreparedStatement ps = c.prepareStatement("update webhook_endpoints"
                    + " set failing_since = null where id = ? and failing_since is not null")) {
                ps.setString(1, delivery.endpointId());
                ps.executeUpdate();
            }
            return true;
        }
        if (retryAt != null) {
            insertAttempt(c, delivery.endpointId(), delivery.eventSeq(),
                    delivery.eventType(), delivery.attempt() + 1, delivery.firstAttemptAt(),
                    now, retryAt);
        }
        try (PreparedStatement ps = c.prepareStatement("update webhook_endpoints"
                + " set failing_since = ? where id = ? and failing_since is null")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, delivery.endpointId());
            ps.executeUpdate();
        }
        Instant failingSince;
        try (PreparedStatement ps = c.prepareStatement("select failing_since, status, url"
                + " from webhook_endpoints where id = ?")) {
            ps.setString(1, delivery.endpointId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && Endpoint.ENABLED.equals(rs.getString(2))) {
                    failingSince = Jdbc.getInstant(rs, 1);
                    if (!failingSince.plus(Backoff.DISABLE_AFTER).isAfter(now)) {
                        disable(c, delivery.endpointId(), rs.getString(3), failingSince,
                                now);
                    }
                }
            }
        }
        return true;
    }

    private static void disable(Connection c, String endpointId, String url,
                                Instant failingSince, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update webhook_endpoints set"
                + " status = 'disabled', updated_at = ? where id = ?")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, endpointId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("update webhook_deliveries set"
                + " status = 'failed', error = 'the endpoint was disabled', finished_at = ?,"
                + " next_attempt_at = null, leased_until = null"
                + " where endpoint_id = ? and status = 'pending'")) {
            Jdbc.setInstant(ps, 1, now);
            ps.setString(2, endpointId);
            ps.executeUpdate();
        }
        // The host only: a URL's path or query may carry the receiver's credentials, and this
        // event may go to other endpoints.
        String host;
        try {
            host = java.net.URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            host = null;
        }
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("endpoint_id", endpointId);
        fields.put("host", host);
        fields.put("failing_since", failingSince.toString());
        dev.credits.postgres.Outbox.append(c, "", "", EventTypes.ENDPOINT_DISABLED, fields,
                now);
    }

    private static String insertAttempt(Connection c, String endpointId, long seq, String type,
                                        int attempt, Instant firstAttemptAt, Instant now,
                                        Instant due) throws SQLException {
        String id = Ids.withPrefix(DELIVERY_PREFIX);
        try (PreparedStatement ps = c.prepareStatement("insert into webhook_deliveries (id,"
                + " endpoint_id, event_seq, event_type, attempt, status, created_at,"
                + " first_attempt_at, next_attempt_at) values (?, ?, ?, ?, ?, 'pending', ?, ?,"
                + " ?)")) {
            ps.setString(1, id);
            ps.setString(2, endpointId);
            ps.setLong(3, seq);
            ps.setString(4, type);
            ps.setInt(5, attempt);
            Jdbc.setInstant(ps, 6, now);
            Jdbc.setInstant(ps, 7, firstAttemptAt);
            Jdbc.setInstant(ps, 8, due);
            ps.executeUpdate();
        }
        return id;
    }

    /**
     * A new attempt of a delivery's event to its endpoint, due now: the next attempt number,
     * with a fresh retry budget. Null when there is no such delivery.
     */
    Delivery retry(String deliveryId, Instant now) {
        return inTransaction(c -> {
            Delivery first;
            try (PreparedStatement ps = c.prepareStatement("select " + DELIVERY_COLUMNS
                    + " from webhook_deliveries where id = ?")) {
                ps.setString(1, deliveryId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    first = delivery(rs);
                }
            }
            Endpoint endpoint = endpoint(c, first.endpointId(), true);
            if (endpoint == null) {
                return null;
            }
            if (!Endpoint.ENABLED.equals(endpoint.status())) {
                throw new dev.credits.InvalidStateException("the endpoint "
                        + endpoint.id() + " is disabled; enable it first");
            }
            long seq = Event.seqOf(first.eventId());
            // One chain of attempts per event and endpoint: a pending attempt is superseded
            // by this one; one being sent right now makes the retry wait.
            try (PreparedStatement ps = c.prepareStatement("select count(*) from"
                    + " webhook_deliveries where endpoint_id = ? and event_seq = ?"
                    + " and status = 'pending' and leased_until > ?")) {
                ps.setString(1, first.endpointId());
                ps.setLong(2, seq);
                Jdbc.setInstant(ps, 3, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        throw new dev.credits.InvalidStateException("an attempt of this event"
                                + " to this endpoint is being sent now; retry when it is done");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("update webhook_deliveries set"
                    + " status = 'failed', error = 'superseded by a manual retry',"
                    + " finished_at = ?, next_attempt_at = null where endpoint_id = ?"
                    + " and event_seq = ? and status = 'pending'")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setString(2, first.endpointId());
                ps.setLong(3, seq);
                ps.executeUpdate();
            }
            int attempt;
            try (PreparedStatement ps = c.prepareStatement("select max(attempt) from"
                    + " webhook_deliveries where endpoint_id = ? and event_seq = ?")) {
                ps.setString(1, first.endpointId());
                ps.setLong(2, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    attempt = rs.getInt(1) + 1;
                }
            }
            String id = insertAttempt(c, first.endpointId(), seq, first.eventType(), attempt,
                    now, now, now);
            try (PreparedStatement ps = c.prepareStatement("select " + DELIVERY_COLUMNS
                    + " from webhook_deliveries where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return delivery(rs);
                }
            }
        });
    }

    /** An endpoint's attempts, newest first, before the cursor's position. */
    List<Delivery> deliveries(String endpointId, int limit, Instant beforeCreatedAt,
                              String beforeId) {
        return inTransaction(c -> {
            List<Delivery> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select " + DELIVERY_COLUMNS
                    + " from webhook_deliveries where endpoint_id = ?"
                    + " and (?::timestamptz is null or (created_at, id) < (?, ?))"
                    + " order by created_at desc, id desc limit ?")) {
                ps.setString(1, endpointId);
                Jdbc.setInstant(ps, 2, beforeCreatedAt);
                Jdbc.setInstant(ps, 3, beforeCreatedAt);
                ps.setString(4, beforeId == null ? "" : beforeId);
                ps.setInt(5, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(delivery(rs));
                    }
                }
            }
            return out;
        });
    }

    Delivery delivery(String id) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + DELIVERY_COLUMNS
                    + " from webhook_deliveries where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? delivery(rs) : null;
                }
            }
        });
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        int response = rs.getInt("response_status");
        Integer responseStatus = rs.wasNull() ? null : response;
        return new Delivery(rs.getString("id"), rs.getString("endpoint_id"),
                Event.idOf(rs.getLong("event_seq")), rs.getString("event_type"),
                rs.getInt("attempt"), rs.getString("status"), responseStatus,
                rs.getString("error"), Jdbc.getInstant(rs, "created_at"),
                Jdbc.getInstant(rs, "next_attempt_at"));
    }

    /** Forgets finished attempts older than {@code before}; returns how many. */
    int purgeFinished(Instant before, int limit) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from webhook_deliveries"
                    + " where id in (select id from webhook_deliveries where status <> 'pending'"
                    + " and finished_at < ? limit ?)")) {
                Jdbc.setInstant(ps, 1, before);
                ps.setInt(2, limit);
                return ps.executeUpdate();
            }
        });
    }

    // ---- the feed

    /** Events newest first, before outbox position {@code beforeSeq}, filtered as given. */
    List<StoredEvent> feed(String customerId, List<String> storedNames, long beforeSeq,
                           int limit) {
        return inTransaction(c -> {
            List<StoredEvent> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select seq, customer_id,"
                    + " credit_type, event_type, payload::text, created_at, sequence"
                    + " from outbox where seq < ? and event_type = any(?)"
                    + " and (?::text is null or customer_id = ?) order by seq desc limit ?")) {
                ps.setLong(1, beforeSeq);
                Array names = c.createArrayOf("text", storedNames.toArray());
                ps.setArray(2, names);
                ps.setString(3, customerId);
                ps.setString(4, customerId);
                ps.setInt(5, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(storedEvent(rs));
                    }
                }
            }
            return out;
        });
    }

    StoredEvent event(long seq) {
        Map<Long, StoredEvent> found = events(List.of(seq));
        return found.get(seq);
    }

    private static StoredEvent storedEvent(ResultSet rs) throws SQLException {
        long sequence = rs.getLong(7);
        Long walletSequence = rs.wasNull() ? null : sequence;
        return new StoredEvent(rs.getLong(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), Jdbc.getInstant(rs, 6), walletSequence);
    }
}
