package dev.credits.server;

import java.util.HashMap;
import java.util.Map;

/**
 * Every problem code the API answers, with its HTTP status and title: the one table of
 * {@code code → status}. A code no exception may carry without a row here; {@link #of} of one
 * that has none is a bug, answered as {@link #INTERNAL_ERROR} and logged.
 */
enum ProblemCode {
    MALFORMED_REQUEST("malformed_request", 400, "Malformed request"),
    INVALID_SIGNATURE("invalid_signature", 400, "Invalid signature"),
    UNAUTHORIZED("unauthorized", 401, "Unauthorized"),
    INSUFFICIENT_CREDITS("insufficient_credits", 402, "Insufficient credits"),
    FORBIDDEN("forbidden", 403, "Forbidden"),
    SPEND_LIMIT_EXCEEDED("spend_limit_exceeded", 402, "Spend limit exceeded"),
    NOT_FOUND("not_found", 404, "Not found"),
    IDEMPOTENCY_CONFLICT("idempotency_conflict", 409, "Idempotency conflict"),
    INVALID_STATE("invalid_state", 409, "Invalid state"),
    REQUEST_TOO_LARGE("request_too_large", 413, "Request too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415, "Unsupported media type"),
    VALIDATION_FAILED("validation_failed", 422, "Validation failed"),
    RATE_LIMITED("rate_limited", 429, "Rate limited"),
    INVALID_AMOUNT("invalid_amount", 422, "Invalid amount"),
    UNKNOWN_CREDIT_TYPE("unknown_credit_type", 422, "Unknown credit type"),
    UNKNOWN_MODEL("unknown_model", 422, "Unknown model"),
    USAGE_MISSING("usage_missing", 422, "Usage missing"),
    INTERNAL_ERROR("internal_error", 500, "Internal error"),
    PAYMENT_PROVIDER_ERROR("payment_provider_error", 502, "Payment provider error"),
    UNAVAILABLE("unavailable", 503, "Service unavailable");

    private static final Map<String, ProblemCode> BY_WIRE_NAME = new HashMap<>();

    static {
        for (ProblemCode code : values()) {
            BY_WIRE_NAME.put(code.wireName, code);
        }
    }

    final String wireName;
    final int status;
    final String title;

    ProblemCode(String wireName, int status, String title) {
        this.wireName = wireName;
        this.status = status;
        this.title = title;
    }

    /** The code of a wire name; null when there is none (a bug: see the class comment). */
    static ProblemCode of(String wireName) {
        return wireName == null ? null : BY_WIRE_NAME.get(wireName);
    }
}
