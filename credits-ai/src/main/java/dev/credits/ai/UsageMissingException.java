package dev.credits.ai;

import dev.credits.CreditsException;

/**
 * A response without usage, under {@code missing_usage: error}. The call stays reserved (its hold
 * in place) so that it can still be completed with the usage learnt elsewhere, or cancelled; it
 * is never charged at zero by accident.
 */
public final class UsageMissingException extends CreditsException {
    private final String callId;

    public UsageMissingException(String callId) {
        super("the response of AI call " + callId + " carries no usage; complete the call with"
                + " its usage or cancel it");
        this.callId = callId;
    }

    public String callId() {
        return callId;
    }

    @Override
    public String code() {
        return "usage_missing";
    }
}
