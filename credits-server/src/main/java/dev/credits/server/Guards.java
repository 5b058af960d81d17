package dev.credits.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/** What runs before every handler: the body size limit, and the API key of {@code /v1}. */
final class Guards {
    static final String BEARER = "Bearer ";
    /** The header that names a request in its answer (and in its log lines). */
    static final String REQUEST_ID = "X-Request-Id";
    private static final java.util.regex.Pattern SANE_REQUEST_ID =
            java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The one route without an API key: Stripe's webhook deliveries, verified by signature. */
    static final String STRIPE_WEBHOOK = "/v1/stripe/webhook";
    /** The largest oversize body that is read (and dropped) so that its 413 reaches the client. */
    static final long DRAIN_BYTES_MAX = 1024 * 1024;

    static final String RETRY_AFTER = "Retry-After";

    private final ApiKeys keys;
    private final RateLimiter limiter;

    Guards(ApiKeys keys, HttpLimits limits) {
        this.keys = keys;
        this.limiter = new RateLimiter(limits.requestsPerSecond(), limits.burst());
    }

    /**
     * Rejects a declared body over the limit; chunked bodies are cut off as they are read. From a
     * client with a valid key, a body up to {@link #DRAIN_BYTES_MAX} is read and dropped first:
     * a client still sending it would otherwise see its connection reset instead of the 413.
     * Anything else closes the connection (nobody unknown may keep a thread reading).
     */
    void limitBody(Context ctx) {
        long length = declaredLength(ctx);
        if (length > CreditsServer.BODY_BYTES_MAX) {
            if (length <= DRAIN_BYTES_MAX && hasValidKey(ctx)) {
                drain(ctx);
            } else {
                ctx.header("Connection", "close");
            }
            throw RequestRejectedException.tooLarge();
        }
    }

    /**
     * The declared Content-Length, read as a long: the servlet's int form says -1 ("unknown")
     * for 2 GiB and more, which would leave such a request to hang until it timed out. A length
     * that is not a number is malformed.
     */
    private static long declaredLength(Context ctx) {
        String header = ctx.header("Content-Length");
        if (header == null) {
            return -1;
        }
        try {
            long length = Long.parseLong(header.trim());
            if (length < 0) {
                throw new NumberFormatException(header);
            }
            return length;
        } catch (NumberFormatException e) {
            ctx.header("Connection", "close");
            throw RequestRejectedException.malformed("the Content-Length header is not a"
                    + " length");
        }
    }

    /**
     * A request with a body must say it is JSON in UTF-8: {@code Content-Type: application/json}
     * (a charset, if given, must be UTF-8), else 415. {@code X-HTTP-Method-Override} and its
     * kin are never honoured: the method is the request line's.
     */
    void requireJson(Context ctx) {
        // A malformed Idempotency-Key is refused on every route, also where the route is
        // idempotent by its own ids (an AI call's complete, a period's renew).
        LedgerApi.idempotencyKey(ctx);
        boolean hasBody = declaredLength(ctx) > 0 || ctx.header("Transfer-Encoding") != null;
        if (!hasBody) {
            return;
        }
        String type = ctx.header("Content-Type");
        if (type == null) {
            throw RequestRejectedException.unsupportedMediaType("send the body as JSON, with"
                    + " 'Content-Type: application/json'");
        }
        String[] parts = type.split(";");
        if (!parts[0].trim().equalsIgnoreCase("application/json")) {
            throw RequestRejectedException.unsupportedMediaType("the body must be"
                    + " application/json, not '" + JsonBody.abbreviate(parts[0].trim()) + "'");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].trim().split("=", 2);
            if (parameter[0].trim().equalsIgnoreCase("charset") && (parameter.length < 2
                    || !parameter[1].trim().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                throw RequestRejectedException.unsupportedMediaType("the body must be UTF-8");
            }
        }
    }

    private static void drain(Context ctx) {
        byte[] buffer = new byte[8_192];
        try {
            InputStream in = ctx.req().getInputStream();
            while (in.read(buffer) >= 0) {
                // dropped
            }
        } catch (IOException e) {
            // the client went away; the 413 goes nowhere, and that is fine
        }
    }

    private boolean hasValidKey(Context ctx) {
        String secret = bearerSecret(ctx);
        return secret != null && keys.isValid(secret);
    }

    /** The secret of an {@code Authorization: Bearer} header; null without one. */
    private static String bearerSecret(Context ctx) {
        String header = ctx.header("Authorization");
        return header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? header.substring(BEARER.length()).trim() : null;
    }

    /**
     * Names the request: the client's own {@code X-Request-Id} when it is sane (1–64 of
     * {@code [A-Za-z0-9._-]}), else a new {@code req_…}; answered in the response's header and
     * put in the logging context ({@code request_id}) for the request's log lines.
     */
    void nameRequest(Context ctx) {
        String given = ctx.header(REQUEST_ID);
        String id = given != null && SANE_REQUEST_ID.matcher(given).matches() ? given
                : dev.credits.internal.Ids.withPrefix("req_");
        ctx.header(REQUEST_ID, id);
        org.slf4j.MDC.put("request_id", id);
    }

    static void forgetRequest(Context ctx) {
        org.slf4j.MDC.remove("request_id");
    }

    void authenticate(Context ctx) {
        if (STRIPE_WEBHOOK.equals(ctx.path())) {
            return; // Stripe signs its deliveries instead; the receiver verifies the signature
        }
        String secret = bearerSecret(ctx);
        if (secret == null) {
            throw RequestRejectedException.unauthorized(
                    "send a secret key as 'Authorization: Bearer <key>'");
        }
        ApiKeys.Caller caller = keys.callerOf(secret);
        if (caller == null) {
            throw RequestRejectedException.unauthorized("the key is unknown or revoked");
        }
        ApiKeys.Scope scope = caller.scope();
        String method = ctx.method().name();
        boolean reads = method.equals("GET") || method.equals("HEAD");
        if (scope == ApiKeys.Scope.READ && !reads) {
            throw RequestRejectedException.forbidden("this key's scope is read: it may only"
                    + " read (GET); use a write key");
        }
        if (scope != ApiKeys.Scope.ADMIN && isAdminRoute(ctx.path())) {
            throw RequestRejectedException.forbidden("webhook endpoints and deliveries need an"
                    + " admin key (./credits keys create --name NAME --scope admin)");
        }
        long waitNanos = limiter.acquire(caller.hash(), System.nanoTime());
        if (waitNanos > 0) {
            long seconds = RateLimiter.retryAfterSeconds(waitNanos);
            ctx.header(RETRY_AFTER, Long.toString(seconds));
            throw RequestRejectedException.rateLimited(seconds);
        }
    }

    /**
     * {@code /metrics}, {@code /openapi.json} and {@code /docs} when the configuration protects
     * them: any valid key, of any scope.
     */
    void authenticateOperations(Context ctx) {
        String secret = bearerSecret(ctx);
        if (secret == null || keys.scopeOf(secret) == null) {
            throw RequestRejectedException.unauthorized("this server's operations pages need an"
                    + " API key: 'Authorization: Bearer <key>'");
        }
    }

    /** The routes only an admin key may use: webhook endpoints and their deliveries. */
    static boolean isAdminRoute(String path) {
        return path.startsWith("/v1/webhook-endpoints") || path.startsWith("/v1/webhook-deliveries");
    }
}
