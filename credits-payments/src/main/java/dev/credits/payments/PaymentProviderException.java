package dev.credits.payments;

import dev.credits.CreditsException;

/**
 * Stripe answered a call with an error or could not be reached (HTTP 502
 * {@code payment_provider_error}). Nothing was written in credits; a retry is safe, since every
 * call carries its own Stripe idempotency key.
 */
public final class PaymentProviderException extends CreditsException {
    public static final String CODE = "payment_provider_error";

    public PaymentProviderException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return CODE;
    }
}
