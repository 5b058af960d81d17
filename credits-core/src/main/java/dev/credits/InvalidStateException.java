package dev.credits;

/** An operation the object's current state does not allow, e.g. capturing a released hold. */
public final class InvalidStateException extends CreditsException {
    public InvalidStateException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "invalid_state";
    }
}
