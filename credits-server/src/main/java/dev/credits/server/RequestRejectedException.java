package dev.credits.server;

import dev.credits.CreditsException;

/**
 * A request the server turns away before the ledger sees it: a body that is not JSON or has a
 * field of the wrong JSON type, a missing or unknown key, a body over the size limit.
 */
final class RequestRejectedException extends CreditsException {
    static final String MALFORMED_REQUEST = "malformed_request";
    static final String UNAUTHORIZED = "unauthorized";
    static final String FORBIDDEN = "forbidden";
    static final String REQUEST_TOO_LARGE = "request_too_large";
    static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    static final String RATE_LIMITED = "rate_limited";

    private final String code;

    private RequestRejectedException(String code, String message) {
        super(message);
        this.code = code;
    }

    static RequestRejectedException malformed(String message) {
        return new RequestRejectedException(MALFORMED_REQUEST, message);
    }

    static RequestRejectedException unauthorized(String message) {
        return new RequestRejectedException(UNAUTHORIZED, message);
    }

    /** A valid key whose scope does not allow the request (403); nothing was written. */
    static RequestRejectedException forbidden(String message) {
        return new RequestRejectedException(FORBIDDEN, message);
    }

    static RequestRejectedException rateLimited(long retryAfterSeconds) {
        return new RequestRejectedException(RATE_LIMITED, "this API key sent more requests than"
                + " its rate limit allows; retry after " + retryAfterSeconds + " s (nothing was"
                + " done)");
    }

    static RequestRejectedException unsupportedMediaType(String message) {
        return new RequestRejectedException(UNSUPPORTED_MEDIA_TYPE, message);
    }

    static RequestRejectedException tooLarge() {
        return new RequestRejectedException(REQUEST_TOO_LARGE, "the request body is larger than "
                + CreditsServer.BODY_BYTES_MAX + " bytes");
    }

    @Override
    public String code() {
        return code;
    }
}
