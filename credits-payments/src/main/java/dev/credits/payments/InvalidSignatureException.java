package dev.credits.payments;

import dev.credits.CreditsException;

/**
 * A Stripe webhook whose {@code Stripe-Signature} is missing, does not verify against the
 * endpoint's secret, or is older than {@link PaymentsConfig#SIGNATURE_TOLERANCE_SECONDS}
 * (HTTP 400 {@code invalid_signature}). Nothing was written.
 */
public final class InvalidSignatureException extends CreditsException {
    public static final String CODE = "invalid_signature";

    public InvalidSignatureException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return CODE;
    }
}
