package dev.credits;

/** The idempotency key was used before with a different request. */
public final class IdempotencyConflictException extends CreditsException {
    private final String idempotencyKey;

    public IdempotencyConflictException(String idempotencyKey) {
        super("idempotency key '" + idempotencyKey + "' was already used with a different request");
        this.idempotencyKey = idempotencyKey;
    }

    public String idempotencyKey() {
        return idempotencyKey;
    }

    @Override
    public String code() {
        return "idempotency_conflict";
    }
}
