package dev.credits;

/** An amount that is missing, not positive where it must be, too precise, or too large. */
public final class InvalidAmountException extends CreditsException {
    public InvalidAmountException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "invalid_amount";
    }
}
