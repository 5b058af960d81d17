package dev.credits.server;

import io.javalin.http.Context;

/** What runs before every handler: the body size limit, and the API key of {@code /v1}. */
final class Guards {
    static final String BEARER = "Bearer ";

    private final ApiKeys keys;

    Guards(ApiKeys keys) {
        this.keys = keys;
    }

    /** Rejects a declared body over the limit before reading it; chunked bodies are cut off. */
    void limitBody(Context ctx) {
        if (ctx.contentLength() > CreditsServer.BODY_BYTES_MAX) {
            throw RequestRejectedException.tooLarge();
        }
    }

    void authenticate(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw RequestRejectedException.unauthorized(
                    "send a secret key as 'Authorization: Bearer <key>'");
        }
        if (!keys.isValid(header.substring(BEARER.length()).trim())) {
            throw RequestRejectedException.unauthorized("the key is unknown or revoked");
        }
    }
}
