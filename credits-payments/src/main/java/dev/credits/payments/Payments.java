package dev.credits.payments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import com.stripe.param.checkout.SessionCreateParams;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.CustomerIds;
import dev.credits.IdempotencyKeys;
import dev.credits.OverloadedException;
import dev.credits.StorageUnavailableException;
import dev.credits.ValidationException;
import dev.credits.plans.Plan;
import dev.credits.plans.Plans;
import dev.credits.plans.Product;
import dev.credits.webhooks.AutoTopups;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe payments for a ledger: Checkout sessions for packs and plans, and the webhook receiver
 * that turns Stripe's events into purchases, renewals, plan changes, refunds and auto top-ups,
 * each event exactly once. Thread-safe, and safe with other processes on the same database.
 * <pre>{@code
 * Payments payments = Payments.open(credits, plans, topups, dataSource,
 *         PaymentsConfig.of(System.getenv("STRIPE_SECRET_KEY"),
 *                 System.getenv("STRIPE_WEBHOOK_SECRET")));
 * CheckoutSession s = payments.checkout("user_42", "pack_small", null, 1,
 *         "https://app.example/ok", "https://app.example/cancel", null);
 * // in the webhook route, with the raw body:
 * Payments.Received r = payments.receive(body, request.header("Stripe-Signature"));
 * }</pre>
 * Failures: {@link InvalidSignatureException}, {@link PaymentProviderException}, and the
 * ledger's own typed exceptions for bad input.
 */
public final class Payments implements AutoCloseable {
    public static final String META_CUSTOMER = "credits_customer_id";
    public static final String META_PRODUCT = "credits_product";
    public static final String META_QUANTITY = "credits_quantity";
    public static final String META_PLAN = "credits_plan";
    public static final String META_TOPUP = "credits_topup_id";
    public static final int URL_LENGTH_MAX = 2_048;
    public static final int EVENT_BYTES_MAX = 512 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(Payments.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the receiver did with one event. */
    public record Received(String eventId, String type, boolean duplicate, String outcome) {
    }

    /** A Stripe Checkout session to send the customer to. */
    public record CheckoutSession(String id, String url) {
    }

    private final Credits credits;
    private final Plans plans;
    private final PaymentsConfig config;
    private final PaymentStore store;
    private final StripeApi stripe;
    private final StripeEvents events;
    private final Background background;
    private ScheduledExecutorService worker;

    private Payments(Credits credits, Plans plans, AutoTopups topups, DataSource dataSource,
                     PaymentsConfig config) {
        this.credits = credits;
        this.plans = plans;
        this.config = config;
        this.store = new PaymentStore(dataSource);
        this.stripe = new StripeApi(config);
        Refunds refunds = new Refunds(credits, topups, store, config);
        this.events = new StripeEvents(credits, plans, topups, store, refunds, config);
        this.background = new Background(credits, topups, store, stripe, this::handle,
                events, refunds, config, dataSource);
    }

    /**
     * Payments over a ledger on PostgreSQL ({@code dataSource}: its database, e.g.
     * {@link dev.credits.postgres.PostgresLedger#backgroundDataSource()}).
     */
    public static Payments open(Credits credits, Plans plans, AutoTopups topups,
                                DataSource dataSource, PaymentsConfig config) {
        return new Payments(credits, plans, topups, dataSource, config);
    }

    public PaymentsConfig config() {
        return config;
    }

    // ---- checkout

    /**
     * Creates a Stripe Checkout session for {@code quantity} of a product (mode {@code payment})
     * or for a plan (mode {@code subscription}; exactly one of {@code productId} and
     * {@code planId}). The customer's Stripe customer is created once and remembered. With an
     * {@code idempotencyKey}, a retry answers the same session (Stripe keeps the key 24 hours).
     */
    public CheckoutSession checkout(String customerId, String productId, String planId,
                                    Integer quantity, String successUrl, String cancelUrl,
                                    String idempotencyKey) {
        CustomerIds.requireValid(customerId);
        IdempotencyKeys.requireClient("Idempotency-Key", idempotencyKey);
        if ((productId == null) == (planId == null)) {
            throw new ValidationException(productId == null ? "product" : "plan",
                    "give exactly one of product and plan");
        }
        int qty = quantity == null ? 1 : quantity;
        if (qty < Plans.QUANTITY_MIN || qty > Plans.QUANTITY_MAX) {
            throw new ValidationException("quantity", "must be " + Plans.QUANTITY_MIN + ".."
                    + Plans.QUANTITY_MAX + ", was " + qty);
        }
        requireUrl("success_url", successUrl);
        requireUrl("cancel_url", cancelUrl);
        SessionCreateParams.Builder params = SessionCreateParams.builder()
                .setSuccessUrl(successUrl)
                .setCancelUrl(cancelUrl)
                .setClientReferenceId(customerId)
                .putMetadata(META_CUSTOMER, customerId);
        String what;
        if (productId != null) {
            Product product = plans.catalog().requireProduct(productId);
            if (product.stripePriceId() == null) {
                throw new ValidationException("product", "product '" + productId + "' has no"
                        + " stripe_price_id in the configuration; it cannot be sold through"
                        + " Stripe Checkout");
            }
            params.setMode(SessionCreateParams.Mode.PAYMENT)
                    .addLineItem(SessionCreateParams.LineItem.builder()
                            .setPrice(product.stripePriceId()).setQuantity((long) qty).build())
                    .putMetadata(META_PRODUCT, product.id())
                    .putMetadata(META_QUANTITY, String.valueOf(qty))
                    .setPaymentIntentData(SessionCreateParams.PaymentIntentData.builder()
                            .putMetadata(META_CUSTOMER, customerId)
                            .putMetadata(META_PRODUCT, product.id())
                            .putMetadata(META_QUANTITY, String.valueOf(qty))
                            // The card is kept for auto top-ups, which charge it off-session.
                            .setSetupFutureUsage(SessionCreateParams.PaymentIntentData
                                    .SetupFutureUsage.OFF_SESSION)
                            .build());
            what = "product:" + product.id() + ":" + qty;
        } else {
            Plan plan = plans.catalog().requirePlan(planId);
            if (plan.stripePriceId() == null) {
                throw new ValidationException("plan", "plan '" + planId + "' has no"
                        + " stripe_price_id in the configuration; it cannot be billed through"
                        + " Stripe");
            }
            if (quantity != null && quantity != 1) {
                throw new ValidationException("quantity", "a plan's checkout is for one"
                        + " subscription");
            }
            params.setMode(SessionCreateParams.Mode.SUBSCRIPTION)
                    .addLineItem(SessionCreateParams.LineItem.builder()
                            .setPrice(plan.stripePriceId()).setQuantity(1L).build())
                    .putMetadata(META_PLAN, plan.id())
                    .setSubscriptionData(SessionCreateParams.SubscriptionData.builder()
                            .putMetadata(META_CUSTOMER, customerId)
                            .putMetadata(META_PLAN, plan.id())
                            .build());
            what = "plan:" + plan.id();
        }
        params.setCustomer(stripeCustomer(customerId));
        // Without a client key, each request is its own session; with one, Stripe answers a
        // retry with the first session (and refuses the same key for another request).
        String key = idempotencyKey == null ? "checkout:" + dev.credits.internal.Ids.withPrefix("")
                : "checkout:" + customerId + ":" + idempotencyKey;
        com.stripe.model.checkout.Session session = stripe.createCheckoutSession(params.build(),
                key + ":" + what);
        return new CheckoutSession(session.getId(), session.getUrl());
    }

    /** The customer's Stripe customer id, created at Stripe and remembered the first time. */
    String stripeCustomer(String customerId) {
        String known = store.inTransaction(c -> store.stripeCustomer(c, customerId));
        if (known != null) {
            return known;
        }
        String created = stripe.createCustomer(customerId);
        return store.inTransaction(c -> {
            store.rememberCustomer(c, customerId, created, credits.now());
            return store.stripeCustomer(c, customerId);
        });
    }

    private static void requireUrl(String field, String url) {
        if (url == null) {
            throw new ValidationException(field, "is required");
        }
        boolean valid = url.length() <= URL_LENGTH_MAX;
        try {
            URI uri = new URI(url);
            valid = valid && uri.getHost() != null && ("https".equals(uri.getScheme())
                    || "http".equals(uri.getScheme()));
        } catch (URISyntaxException e) {
            valid = false;
        }
        if (!valid) {
            throw new ValidationException(field, "must be an absolute http or https URL of at"
                    + " most " + URL_LENGTH_MAX + " characters");
        }
    }

    // ---- the webhook receiver

    /**
     * Verifies and handles one Stripe webhook delivery: {@code body} exactly as received and the
     * {@code Stripe-Signature} header. The signature is checked before anything else (and
     * nothing is written without it); then the event is recorded under its id and handled once:
     * a replay or a duplicate answers {@code duplicate}. An event type credits does not handle is
     * acknowledged and ignored. Throws {@link InvalidSignatureException},
     * {@link ValidationException} for a signed body that is not an event, and
     * {@link StorageUnavailableException} when the database is away (Stripe retries).
     */
    public Received receive(byte[] body, String signatureHeader) {
        if (signatureHeader == null || signatureHeader.isBlank()) {
            throw new InvalidSignatureException("the Stripe-Signature header is missing");
        }
        if (body == null || body.length > EVENT_BYTES_MAX) {
            throw new InvalidSignatureException("the body is missing or too large to be an"
                    + " event");
        }
        String payload = new String(body, StandardCharsets.UTF_8);
        try {
            Webhook.Signature.verifyHeader(payload, signatureHeader, config.webhookSecret(),
                    PaymentsConfig.SIGNATURE_TOLERANCE_SECONDS);
        } catch (SignatureVerificationException e) {
            throw new InvalidSignatureException("the Stripe-Signature does not verify: "
                    + e.getMessage());
        }
        JsonNode event = parse(payload);
        String id = event.path("id").asText("");
        String type = event.path("type").asText("");
        if (!id.matches("[A-Za-z0-9_]{1,255}") || type.isEmpty() || type.length() > 255
                || !event.path("data").path("object").isObject()) {
            throw new ValidationException("body", "a Stripe event needs an id, a type and"
                    + " data.object");
        }
        Instant created = event.path("created").canConvertToLong()
                ? Instant.ofEpochSecond(event.path("created").asLong()) : Instant.now();
        Instant now = credits.now();
        boolean fresh = store.inTransaction(c -> store.insertEvent(c, id, type, created, payload,
                now));
        if (!fresh) {
            String outcome = store.inTransaction(c -> store.handledOutcome(c, id));
            if (outcome != null) {
                return new Received(id, type, true, outcome);
            }
            // Received before but not handled (a crash, an outage, a delivery racing this one):
            // handling is idempotent, so it is handled again here.
        }
        return new Received(id, type, !fresh, handle(id, type, created, event));
    }

    /** Handles a recorded event and marks it handled; a transient failure leaves it unhandled. */
    String handle(String id, String type, Instant created, JsonNode event) {
        String outcome;
        try {
            outcome = events.handle(type, created, event.path("data").path("object"), id);
        } catch (StorageUnavailableException | OverloadedException e) {
            store.inTransaction(c -> {
                store.countAttempt(c, id);
                return null;
            });
            throw e;
        } catch (PaymentProviderException e) {
            throw e;
        } catch (CreditsException e) {
            if (e instanceof dev.credits.IdempotencyConflictException) {
                LOG.error("Stripe event {} ({}) conflicts with a request made before: {}", id,
                        type, e.getMessage());
            }
            // Refused for good (a product no longer in the catalog, a renewal of a canceled
            // subscription): retrying would not help, so it is acknowledged with the reason.
            outcome = "refused: " + e.code() + ": " + e.getMessage();
            LOG.error("Stripe event {} ({}) was refused: {}", id, type, outcome);
        } catch (RuntimeException e) {
            // Not expected (a bug, an overflow): counted, so that the background stops retrying
            // it after a while, and answered 500 so that Stripe retries it too.
            store.inTransaction(c -> {
                store.countAttempt(c, id);
                return null;
            });
            throw e;
        }
        String done = outcome;
        store.inTransaction(c -> {
            store.markHandled(c, id, done, credits.now());
            return null;
        });
        return outcome;
    }

    private static JsonNode parse(String payload) {
        try {
            JsonNode node = JSON.readTree(payload);
            if (node == null || !node.isObject()) {
                throw new ValidationException("body", "must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ValidationException("body", "is not JSON: " + e.getMessage());
        }
    }

    // ---- background work

    /**
     * Runs what is due once: payments of requested top-ups, debt invoice items, refunds and
     * events a crash left unfinished. What the worker runs every
     * {@link PaymentsConfig#workIntervalMs()}; returns how many items it worked on.
     */
    public int runDue() {
        return background.runDue();
    }

    /** Starts the background worker (when the interval is not 0). */
    public synchronized void start() {
        if (worker != null || config.workIntervalMs() == 0) {
            return;
        }
        worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "credits-payments");
            thread.setDaemon(true);
            return thread;
        });
        worker.scheduleWithFixedDelay(() -> {
            try {
                runDue();
            } catch (RuntimeException e) {
                LOG.warn("payments background work failed; will retry: {}", e.toString());
            }
        }, config.workIntervalMs(), config.workIntervalMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (worker != null) {
            worker.shutdownNow();
            try {
                worker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            worker = null;
        }
    }
}
