package dev.credits.payments;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.model.InvoiceItem;
import com.stripe.model.PaymentMethod;
import com.stripe.model.PaymentIntent;
import com.stripe.model.checkout.Session;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerPaymentMethodListParams;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import com.stripe.param.checkout.SessionCreateParams;
import java.util.List;
import java.util.Map;

/**
 * Every call credits makes to Stripe, through the official client, each with a Stripe
 * idempotency key derived from what it is for, so that a retry never does it twice. A call that
 * fails throws {@link PaymentProviderException}; a card that is declined, {@link Declined}.
 */
final class StripeApi {
    static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int READ_TIMEOUT_MS = 20_000;
    /** stripe-java retries a failed network call itself, with the same idempotency key. */
    static final int NETWORK_RETRIES = 2;
    /** Stripe's longest idempotency key. */
    static final int KEY_LENGTH_MAX = 255;

    /** A card that was declined: the payment failed for good (not a provider error). */
    static final class Declined extends Exception {
        Declined(String message) {
            super(message, null, false, false);
        }
    }

    private final StripeClient client;

    StripeApi(PaymentsConfig config) {
        StripeClient.StripeClientBuilder builder = StripeClient.builder()
                .setApiKey(config.secretKey())
                .setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setReadTimeout(READ_TIMEOUT_MS)
                .setMaxNetworkRetries(NETWORK_RETRIES);
        if (config.apiBase() != null) {
            builder.setApiBase(config.apiBase());
        }
        this.client = builder.build();
    }

    /** Creates the Stripe customer of a credits customer (once per key, as Stripe keeps it). */
    String createCustomer(String customerId) {
        CustomerCreateParams params = CustomerCreateParams.builder()
                .putMetadata(Payments.META_CUSTOMER, customerId)
                .setDescription("credits customer " + customerId)
                .build();
        try {
            return client.v1().customers().create(params, key("customer:" + customerId)).getId();
        } catch (StripeException e) {
            throw failed("creating the Stripe customer", e);
        }
    }

    /**
     * The payment method to charge off-session: the customer's invoice default, else the newest
     * card saved on the customer (what a Checkout with {@code setup_future_usage} leaves);
     * null when there is none.
     */
    String defaultPaymentMethod(String stripeCustomerId) {
        try {
            Customer customer = client.v1().customers().retrieve(stripeCustomerId);
            if (customer.getInvoiceSettings() != null
                    && customer.getInvoiceSettings().getDefaultPaymentMethod() != null) {
                return customer.getInvoiceSettings().getDefaultPaymentMethod();
            }
            List<PaymentMethod> cards = client.v1().customers().paymentMethods().list(
                    stripeCustomerId, CustomerPaymentMethodListParams.builder()
                            .setType(CustomerPaymentMethodListParams.Type.CARD).setLimit(1L)
                            .build()).getData();
            return cards == null || cards.isEmpty() ? null : cards.get(0).getId();
        } catch (StripeException e) {
            throw failed("reading the Stripe customer", e);
        }
    }

    /** Refunds a payment in full (an auto top-up paid after it had failed). */
    String refund(String paymentIntent, String idempotencyKey) {
        try {
            return client.v1().refunds().create(RefundCreateParams.builder()
                    .setPaymentIntent(paymentIntent).putMetadata("credits_reason",
                            "paid after the top-up had failed or lapsed").build(),
                    key(idempotencyKey)).getId();
        } catch (StripeException e) {
            throw failed("refunding the payment", e);
        }
    }

    Session createCheckoutSession(SessionCreateParams params, String idempotencyKey) {
        try {
            return client.v1().checkout().sessions().create(params, key(idempotencyKey));
        } catch (StripeException e) {
            throw failed("creating the Checkout session", e);
        }
    }

    String createInvoiceItem(InvoiceItemCreateParams params, String idempotencyKey) {
        try {
            InvoiceItem item = client.v1().invoiceItems().create(params, key(idempotencyKey));
            return item.getId();
        } catch (StripeException e) {
            throw failed("adding the invoice item", e);
        }
    }

    /** An off-session payment, confirmed at once; its id and status. */
    Map.Entry<String, String> chargeOffSession(PaymentIntentCreateParams params,
                                               String idempotencyKey) throws Declined {
        try {
            PaymentIntent intent = client.v1().paymentIntents().create(params,
                    key(idempotencyKey));
            return Map.entry(intent.getId(), intent.getStatus());
        } catch (CardException e) {
            throw new Declined(e.getStripeError() != null && e.getStripeError().getMessage()
                    != null ? e.getStripeError().getMessage() : "the card was declined");
        } catch (StripeException e) {
            throw failed("creating the payment", e);
        }
    }

    /**
     * The Stripe idempotency key named {@code name}: {@code credits-<name>}, or for a name too
     * long for Stripe's 255 characters, {@code credits-sha256-<hex of the name>}.
     */
    static String idempotencyKey(String name) {
        String key = "credits-" + name;
        if (key.length() <= KEY_LENGTH_MAX) {
            return key;
        }
        try {
            return "credits-sha256-" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(
                            name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RequestOptions key(String name) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey(name)).build();
    }

    /** True for a request Stripe refused as such (4xx other than 429): retrying cannot help. */
    static boolean isPermanent(PaymentProviderException e) {
        return e.getCause() instanceof StripeException se && se.getStatusCode() != null
                && se.getStatusCode() >= 400 && se.getStatusCode() < 500
                && se.getStatusCode() != 429 && se.getStatusCode() != 409;
    }

    private static PaymentProviderException failed(String what, StripeException e) {
        String detail = e.getStripeError() != null && e.getStripeError().getMessage() != null
                ? e.getStripeError().getMessage() : e.getClass().getSimpleName();
        Integer status = e.getStatusCode();
        return new PaymentProviderException("Stripe failed " + what + (status == null
                || status == 0 ? " (not reached)" : " (HTTP " + status + ")") + ": " + detail, e);
    }
}
