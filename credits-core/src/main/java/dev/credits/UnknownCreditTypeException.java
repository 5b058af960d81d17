package dev.credits;

/** A credit type that is not configured. */
public final class UnknownCreditTypeException extends CreditsException {
    private final String creditType;

    public UnknownCreditTypeException(String creditType) {
        super("unknown credit type '" + creditType + "'");
        this.creditType = creditType;
    }

    public String creditType() {
        return creditType;
    }

    @Override
    public String code() {
        return "unknown_credit_type";
    }
}
