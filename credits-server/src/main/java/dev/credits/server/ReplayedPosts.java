package dev.credits.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.IdempotencyConflictException;
import dev.credits.StorageUnavailableException;
import dev.credits.postgres.Jdbc;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Idempotency-Key} for the POST routes whose operation keeps no key of its own (rotating a
 * webhook secret, retrying a delivery, completing a top-up or an AI call, making a portal
 * session): API.md has every POST accept one. The key is claimed in the ledger's one namespace
 * ({@code idempotency_keys}, so a key used by a spend and then here is a conflict, and the other
 * way round) before the operation runs, and its answer recorded after: a retry with the key and
 * the same request replays that answer ({@code Idempotent-Replayed: true}) and runs nothing; with
 * another request it is a 409. A retry while the first is still running gets 503 with
 * {@code Retry-After}. Only a 2xx answer is recorded: a refused request (4xx, 5xx) keeps no key,
 * as the ledger's do not, so its retry is a new attempt. A claim left by a process that died
 * mid-request is taken over after {@link #IN_FLIGHT_TAKEOVER_SECONDS} of wall time; an operation
 * that committed just before such a death runs again then (the answer is recorded after the
 * operation's own transaction, not in it). Each claim carries a token of its own, so that a
 * request whose claim was taken over can neither record nor let go of its successor's. The
 * recorded answers hold what the answer held (a rotated webhook secret, a portal link) for the
 * keys' 30 days, in the same database that keeps those secrets and the key that signs the links.
 * The ledger keeps some keys elsewhere (creating a webhook endpoint or a subscription, reserving
 * an AI call): those are not in this namespace.
 */
final class ReplayedPosts {
    /** Recorded answers carry this prefix in {@code result_type}; the ledger never replays them. */
    static final String RESULT_TYPE_PREFIX = "http:";
    static final long IN_FLIGHT_TAKEOVER_SECONDS = 60;
    static final String RETRY_AFTER_SECONDS = "1";
    static final String RETRY_AFTER = "Retry-After";
    /** A claim's pending result: its owner's token and the wall time it was made at. */
    static final String PENDING_TOKEN = "pending";
    static final String PENDING_AT_MS = "claimed_at_ms";
    static final int CLAIM_ATTEMPTS_MAX = 3;
    private static final int SUCCESS_MIN = 200;
    private static final int SUCCESS_MAX = 299;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ReplayedPosts.class);

    private final DataSource dataSource;
    private final Clock clock;

    ReplayedPosts(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** {@code handler} behind the key; a request without one runs as it is. */
    Handler keyed(String route, Handler handler) {
        return ctx -> {
            if (ctx.header(LedgerApi.IDEMPOTENCY_KEY) == null) {
                handler.handle(ctx);
                return;
            }
            String key = LedgerApi.idempotencyKey(ctx);
            String fingerprint = fingerprint(route, ctx.path(), ctx.bodyAsBytes());
            Claim claim = claim(key, fingerprint, route);
            if (claim.inFlight()) {
                ctx.header(RETRY_AFTER, RETRY_AFTER_SECONDS);
                throw new StorageUnavailableException("a request with this Idempotency-Key is"
                        + " still in progress; retry with the same key", null);
            }
            if (claim.recorded() != null) {
                replay(ctx, claim.recorded());
                return;
            }
            boolean succeeded = false;
            try {
                handler.handle(ctx);
                succeeded = ctx.statusCode() >= SUCCESS_MIN && ctx.statusCode() <= SUCCESS_MAX;
            } finally {
                // A refusal or a failure (an exception, answered by the server's own handler
                // after this) keeps no key, as the ledger's refusals keep none.
                if (succeeded) {
                    recordQuietly(ctx, key, claim.token());
                } else {
                    releaseQuietly(key, claim.token());
                }
            }
        };
    }

    /**
     * What a request's claim found: {@code token} when the key is this request's now (its claim
     * token, which only it may record or release with); {@code inFlight} while the first
     * request runs elsewhere; else the answer {@code recorded} for the key.
     */
    record Claim(String token, boolean inFlight, JsonNode recorded) {
    }

    Claim claim(String key, String fingerprint, String route) {
        for (int attempt = 1; ; attempt++) {
            String token = UUID.randomUUID().toString();
            String pending = pending(token);
            int claimed = Jdbc.update(dataSource, "insert into idempotency_keys (customer_id,"
                    + " key, fingerprint, result_type, result, created_at) values ('', ?, ?, ?,"
                    + " ?::jsonb, ?) on conflict (key) do nothing", ps -> {
                        ps.setString(1, key);
                        ps.setString(2, fingerprint);
                        ps.setString(3, RESULT_TYPE_PREFIX + route);
                        ps.setString(4, pending);
                        Jdbc.setInstant(ps, 5, clock.instant());
                    });
            if (claimed == 1) {
                return new Claim(token, false, null);
            }
            String[] row = Jdbc.query(dataSource, "select fingerprint, result::text from"
                    + " idempotency_keys where key = ?", ps -> ps.setString(1, key),
                    rs -> rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null);
            if (row == null && attempt < CLAIM_ATTEMPTS_MAX) {
                continue; // the first request was refused and let the key go: claim it again
            }
            if (row == null) {
                return new Claim(null, true, null);
            }
            if (!fingerprint.equals(row[0])) {
                throw new IdempotencyConflictException(key);
            }
            JsonNode result = read(row[1]);
            if (!result.has(PENDING_TOKEN)) {
                return new Claim(null, false, result);
            }
            String taken = takeOver(key, result);
            return taken == null ? new Claim(null, true, null) : new Claim(taken, false, null);
        }
    }

    /**
     * A claim whose owner has not answered within {@link #IN_FLIGHT_TAKEOVER_SECONDS} of wall
     * time (the process died, say) becomes this request's, under a new token: the owner, if it
     * was only slow, can then neither record nor release it. Null when it is not stale, or
     * another request took it over first.
     */
    private String takeOver(String key, JsonNode pending) {
        long claimedAtMs = pending.path(PENDING_AT_MS).asLong(0);
        if (System.currentTimeMillis() - claimedAtMs < IN_FLIGHT_TAKEOVER_SECONDS * 1_000) {
            return null;
        }
        String token = UUID.randomUUID().toString();
        String next = pending(token);
        int updated = Jdbc.update(dataSource, "update idempotency_keys set result = ?::jsonb"
                + " where key = ? and result ->> '" + PENDING_TOKEN + "' = ?", ps -> {
                    ps.setString(1, next);
                    ps.setString(2, key);
                    ps.setString(3, pending.get(PENDING_TOKEN).asText());
                });
        return updated == 1 ? token : null;
    }

    private static String pending(String token) {
        ObjectNode pending = MAPPER.createObjectNode();
        pending.put(PENDING_TOKEN, token);
        pending.put(PENDING_AT_MS, System.currentTimeMillis());
        return pending.toString();
    }

    /**
     * Records the answer under the request's own claim. A failure here must not turn a done
     * operation into an error answer: it is logged, and the claim is taken over after the
     * takeover age (the operation may then run again, the one case where it can).
     */
    void recordQuietly(Context ctx, String key, String token) {
        try {
            ObjectNode answer = MAPPER.createObjectNode();
            answer.put("status", ctx.statusCode());
            String type = ctx.res().getContentType();
            answer.put("content_type", type == null ? LedgerApi.JSON : type);
            String body = ctx.result();
            answer.put("body", body == null ? "" : body);
            String json = MAPPER.writeValueAsString(answer);
            int updated = Jdbc.update(dataSource, "update idempotency_keys set result ="
                    + " ?::jsonb where key = ? and result ->> '" + PENDING_TOKEN + "' = ?",
                    ps -> {
                        ps.setString(1, json);
                        ps.setString(2, key);
                        ps.setString(3, token);
                    });
            if (updated != 1) {
                LOG.warn("the answer for Idempotency-Key {} was not recorded: its claim was"
                        + " taken over meanwhile", key);
            }
        } catch (RuntimeException | IOException e) {
            LOG.warn("the answer for Idempotency-Key {} could not be recorded", key, e);
        }
    }

    void releaseQuietly(String key, String token) {
        try {
            Jdbc.update(dataSource, "delete from idempotency_keys where key = ? and result ->> '"
                    + PENDING_TOKEN + "' = ?", ps -> {
                        ps.setString(1, key);
                        ps.setString(2, token);
                    });
        } catch (RuntimeException e) {
            LOG.warn("the claim of Idempotency-Key {} could not be let go; it is taken over"
                    + " after {} s", key, IN_FLIGHT_TAKEOVER_SECONDS, e);
        }
    }

    private static void replay(Context ctx, JsonNode recorded) {
        ctx.status(recorded.get("status").asInt());
        ctx.contentType(recorded.get("content_type").asText());
        ctx.header(LedgerApi.IDEMPOTENT_REPLAYED, "true");
        ctx.result(recorded.get("body").asText());
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("an unreadable recorded answer", e);
        }
    }

    /** SHA-256 over the route, the path (its ids) and the body: "the same request". */
    static String fingerprint(String route, String path, byte[] body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(("POST " + route + "\0" + path + "\0").getBytes(StandardCharsets.UTF_8));
            digest.update(body);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
