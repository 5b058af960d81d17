package dev.credits;

/** An unknown grant or hold id. */
public final class NotFoundException extends CreditsException {
    public NotFoundException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "not_found";
    }
}
