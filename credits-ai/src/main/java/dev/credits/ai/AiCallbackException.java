package dev.credits.ai;

/** A checked exception thrown by an AI call's callback; the hold was released. */
public final class AiCallbackException extends RuntimeException {
    public AiCallbackException(String callId, Exception cause) {
        super("AI call " + callId + " failed: " + cause.getMessage(), cause);
    }
}
