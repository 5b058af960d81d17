package dev.credits.ai;

import dev.credits.Amount;
import dev.credits.CreditsException;

/**
 * A call whose maximum cost would take the customer's AI spend over a daily or monthly limit;
 * raised before the call runs. Carries the limit, what the period has used (charged plus still
 * reserved) and what the call would reserve.
 */
public final class SpendLimitExceededException extends CreditsException {
    private final String period;
    private final Amount limit;
    private final Amount spent;
    private final Amount required;

    public SpendLimitExceededException(String period, Amount limit, Amount spent,
                                       Amount required) {
        super("the " + period + " AI spend limit of " + limit + " would be exceeded: " + spent
                + " used, " + required + " required");
        this.period = period;
        this.limit = limit;
        this.spent = spent;
        this.required = required;
    }

    /** {@code daily} or {@code monthly} (UTC). */
    public String period() {
        return period;
    }

    public Amount limit() {
        return limit;
    }

    public Amount spent() {
        return spent;
    }

    public Amount required() {
        return required;
    }

    @Override
    public String code() {
        return "spend_limit_exceeded";
    }
}
