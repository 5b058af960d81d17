package dev.credits;

/**
 * Not enough available credits (plus overdraft) to cover an operation. Carries the numbers a
 * caller needs to explain it: the wallet's balance, what is available, and what was required.
 */
public final class InsufficientCreditsException extends CreditsException {
    private final Amount balance;
    private final Amount available;
    private final Amount required;

    public InsufficientCreditsException(Amount balance, Amount available, Amount required) {
        super("insufficient credits: required " + required + ", available " + available
                + " (balance " + balance + ")");
        this.balance = balance;
        this.available = available;
        this.required = required;
    }

    public Amount getBalance() {
        return balance;
    }

    public Amount getAvailable() {
        return available;
    }

    public Amount getRequired() {
        return required;
    }

    @Override
    public String code() {
        return "insufficient_credits";
    }
}
