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
import java.time.Instant;
import java.util.HexFormat;
import javax.sql.DataSource;

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
 * mid-request is taken over after {@link #IN_FLIGHT_TAKEOVER_SECONDS}; an operation that
 * committed just before such a death runs again then (the answer is recorded after the
 * operation's own transaction, not in it).
 */
final class ReplayedPosts {
    /** Recorded answers carry this prefix in {@code result_type}; the ledger never replays them. */
    static final String RESULT_TYPE_PREFIX = "http:";
    static final long IN_FLIGHT_TAKEOVER_SECONDS = 60;
    static final String RETRY_AFTER_SECONDS = "1";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RETRY_AFTER = "Retry-After";
    private static final int SUCCESS_MIN = 200;
    private static final int SUCCESS_MAX = 299;
    private static final String PENDING = "null";
    private static final JsonNode IN_FLIGHT = com.fasterxml.jackson.databind.node.MissingNode
            .getInstance();

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
            JsonNode recorded = claim(key, fingerprint, route);
            if (recorded == IN_FLIGHT) {
                ctx.header(RETRY_AFTER, RETRY_AFTER_SECONDS);
                throw new StorageUnavailableException("a request with this Idempotency-Key is"
                        + " still in progress; retry with the same key", null);
            }
            if (recorded != null) {
                replay(ctx, recorded);
                return;
            }
            try {
                handler.handle(ctx);
            } catch (Exception e) {
                Problems.handle(e, ctx);
            }
            int status = ctx.statusCode();
            if (status >= SUCCESS_MIN && status <= SUCCESS_MAX) {
                record(ctx, key);
            } else {
                release(key); // refused: written nothing, so not even its key, as the ledger's
            }
        };
    }

    /**
     * Null when the key is this request's now; {@link #IN_FLIGHT} while its first request runs;
     * else the answer recorded for it.
     */
    private JsonNode claim(String key, String fingerprint, String route) {
        Instant now = clock.instant();
        int claimed = Jdbc.update(dataSource, "insert into idempotency_keys (customer_id, key,"
                + " fingerprint, result_type, result, created_at) values ('', ?, ?, ?,"
                + " 'null'::jsonb, ?) on conflict (key) do nothing", ps -> {
                    ps.setString(1, key);
                    ps.setString(2, fingerprint);
                    ps.setString(3, RESULT_TYPE_PREFIX + route);
                    Jdbc.setInstant(ps, 4, now);
                });
        if (claimed == 1) {
            return null;
        }
        String[] row = Jdbc.query(dataSource, "select fingerprint, result::text from"
                + " idempotency_keys where key = ?", ps -> ps.setString(1, key),
                rs -> rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null);
        if (row == null) {
            throw new StorageUnavailableException("the Idempotency-Key's first request has just"
                    + " failed; retry", null);
        }
        if (!fingerprint.equals(row[0])) {
            throw new IdempotencyConflictException(key);
        }
        if (!PENDING.equals(row[1])) {
            return read(row[1]);
        }
        return takeOver(key, now) ? null : IN_FLIGHT;
    }

    /** A claim older than the takeover age, still without an answer, becomes this request's. */
    private boolean takeOver(String key, Instant now) {
        Instant stale = now.minusSeconds(IN_FLIGHT_TAKEOVER_SECONDS);
        return Jdbc.update(dataSource, "update idempotency_keys set created_at = ? where key = ?"
                + " and result = 'null'::jsonb and created_at < ?", ps -> {
                    Jdbc.setInstant(ps, 1, now);
                    ps.setString(2, key);
                    Jdbc.setInstant(ps, 3, stale);
                }) == 1;
    }

    private void record(Context ctx, String key) throws Exception {
        ObjectNode answer = MAPPER.createObjectNode();
        answer.put("status", ctx.statusCode());
        String type = ctx.res().getContentType();
        answer.put("content_type", type == null ? LedgerApi.JSON : type);
        String body = ctx.result();
        answer.put("body", body == null ? "" : body);
        String json = MAPPER.writeValueAsString(answer);
        Jdbc.update(dataSource, "update idempotency_keys set result = ?::jsonb where key = ?",
                ps -> {
                    ps.setString(1, json);
                    ps.setString(2, key);
                });
    }

    private void release(String key) {
        Jdbc.update(dataSource, "delete from idempotency_keys where key = ? and result ="
                + " 'null'::jsonb", ps -> ps.setString(1, key));
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
