package dev.credits;

/** The write queue is full: the caller is pushed back and should retry later. Nothing written. */
public final class OverloadedException extends CreditsException {
    public OverloadedException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "unavailable";
    }
}
