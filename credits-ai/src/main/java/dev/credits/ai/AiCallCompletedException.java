package dev.credits.ai;

import dev.credits.CreditsException;

/**
 * {@code call(...)} with the idempotency key of a call that was already completed: the callback
 * is not invoked again and nothing is charged again. {@link #call()} is the completed call.
 */
public final class AiCallCompletedException extends CreditsException {
    private final AiCallRecord call;

    public AiCallCompletedException(AiCallRecord call) {
        super("AI call " + call.id() + " with this idempotency key was already completed");
        this.call = call;
    }

    public AiCallRecord call() {
        return call;
    }

    @Override
    public String code() {
        return "invalid_state";
    }
}
