package dev.credits;

/**
 * The base of every expected failure of a ledger operation. Each subclass is one outcome a caller
 * may handle; {@link #code()} is the machine-readable name the HTTP API uses for it.
 * A failed operation has written nothing.
 */
public abstract class CreditsException extends RuntimeException {

    protected CreditsException(String message) {
        super(message);
    }

    protected CreditsException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The stable machine-readable code, e.g. {@code insufficient_credits}. */
    public abstract String code();
}
