package dev.credits.payments;

import dev.credits.Money;
import java.util.Map;
import java.util.Objects;

/**
 * How credits talks to Stripe (the configuration file's {@code stripe:} section).
 *
 * @param secretKey      the Stripe secret key ({@code sk_…}) every call is made with
 * @param webhookSecret  the signing secret of the webhook endpoint ({@code whsec_…})
 * @param apiBase        where the Stripe API is (null: Stripe itself); a fake in tests
 * @param refundSpent    what a refund does about credits already spent
 * @param unitPrices     the price of one whole credit per credit type, for charging debt and
 *                       auto top-ups; a type without one is never charged for
 * @param workIntervalMs how often background work (payments of top-ups, debt invoice items,
 *                       events a crash left unhandled) runs; 0 runs none (tests call
 *                       {@link Payments#runDue()})
 */
public record PaymentsConfig(String secretKey, String webhookSecret, String apiBase,
                             RefundSpent refundSpent, Map<String, Money> unitPrices,
                             long workIntervalMs) {
    /** The age at which a webhook's signature timestamp is refused, as Stripe's libraries do. */
    public static final long SIGNATURE_TOLERANCE_SECONDS = 300;
    public static final long WORK_INTERVAL_MS_DEFAULT = 2_000;

    /** What a refund does about the refunded share of credits that were already spent. */
    public enum RefundSpent {
        /** Nothing: only what remains of the purchase is taken back (the default). */
        FORGIVE,
        /** The wallet goes into debt for it. */
        DEBT
    }

    public PaymentsConfig {
        Objects.requireNonNull(secretKey, "secretKey");
        Objects.requireNonNull(webhookSecret, "webhookSecret");
        refundSpent = refundSpent == null ? RefundSpent.FORGIVE : refundSpent;
        unitPrices = unitPrices == null ? Map.of() : Map.copyOf(unitPrices);
        if (workIntervalMs < 0) {
            throw new IllegalArgumentException("workIntervalMs must not be negative");
        }
    }

    public static PaymentsConfig of(String secretKey, String webhookSecret) {
        return new PaymentsConfig(secretKey, webhookSecret, null, RefundSpent.FORGIVE, Map.of(),
                WORK_INTERVAL_MS_DEFAULT);
    }

    public PaymentsConfig withApiBase(String value) {
        return new PaymentsConfig(secretKey, webhookSecret, value, refundSpent, unitPrices,
                workIntervalMs);
    }

    public PaymentsConfig withRefundSpent(RefundSpent value) {
        return new PaymentsConfig(secretKey, webhookSecret, apiBase, value, unitPrices,
                workIntervalMs);
    }

    public PaymentsConfig withUnitPrices(Map<String, Money> value) {
        return new PaymentsConfig(secretKey, webhookSecret, apiBase, refundSpent, value,
                workIntervalMs);
    }

    public PaymentsConfig withWorkIntervalMs(long value) {
        return new PaymentsConfig(secretKey, webhookSecret, apiBase, refundSpent, unitPrices,
                value);
    }

    @Override
    public String toString() { // never the secrets
        return "PaymentsConfig[apiBase=" + apiBase + ", refundSpent=" + refundSpent
                + ", unitPrices=" + unitPrices + "]";
    }
}
