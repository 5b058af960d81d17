package dev.credits;

/** The database cannot be reached; nothing is known to have been written. */
public final class StorageUnavailableException extends CreditsException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "unavailable";
    }
}
