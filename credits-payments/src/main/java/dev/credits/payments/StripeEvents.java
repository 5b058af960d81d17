package dev.credits.payments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.InvalidStateException;
import dev.credits.Money;
import dev.credits.NotFoundException;
import dev.credits.ValidationException;
import dev.credits.payments.PaymentStore.SubscriptionLink;
import dev.credits.plans.Plan;
import dev.credits.plans.Plans;
import dev.credits.plans.Purchase;
import dev.credits.plans.Subscription;
import dev.credits.postgres.Jdbc;
import dev.credits.webhooks.AutoTopups;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each Stripe event does. Every handler is idempotent on its own (a purchase by its payment
 * reference, a renewal by its period, a change or a cancellation by a key derived from the event,
 * a refund by the cumulative amount refunded), so that a replay, a duplicate or two processes
 * handling one event at once change the ledger once. Handlers only read and write the database
 * and the ledger; calls to Stripe are made in the background.
 */
final class StripeEvents {
    static final String CHECKOUT_COMPLETED = "checkout.session.completed";
    static final String ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded";
    static final String INVOICE_PAID = "invoice.paid";
    static final String SUBSCRIPTION_UPDATED = "customer.subscription.updated";
    static final String SUBSCRIPTION_DELETED = "customer.subscription.deleted";
    static final String CHARGE_REFUNDED = "charge.refunded";
    static final String INTENT_SUCCEEDED = "payment_intent.succeeded";
    static final String INTENT_FAILED = "payment_intent.payment_failed";
    static final int REFERENCE_LENGTH_MAX = Plans.PAYMENT_REFERENCE_LENGTH_MAX;
    private static final Logger LOG = LoggerFactory.getLogger(StripeEvents.class);

    private final Credits credits;
    private final Plans plans;
    private final AutoTopups topups;
    private final PaymentStore store;
    private final Refunds refunds;
    private final PaymentsConfig config;

    StripeEvents(Credits credits, Plans plans, AutoTopups topups, PaymentStore store,
                 Refunds refunds, PaymentsConfig config) {
        this.credits = credits;
        this.plans = plans;
        this.topups = topups;
        this.store = store;
        this.refunds = refunds;
        this.config = config;
    }

    /** Handles one event's {@code object}; returns what it did, for the event's record. */
    String handle(String type, Instant created, JsonNode object, String eventId) {
        return switch (type) {
            case CHECKOUT_COMPLETED, ASYNC_SUCCEEDED -> checkoutCompleted(type, object, created);
            case INVOICE_PAID -> invoicePaid(object, created);
            case SUBSCRIPTION_UPDATED -> subscriptionUpdated(object, created, eventId, false);
            case SUBSCRIPTION_DELETED -> subscriptionUpdated(object, created, eventId, true);
            case CHARGE_REFUNDED -> chargeRefunded(object);
            case INTENT_SUCCEEDED -> intentSucceeded(object);
            case INTENT_FAILED -> intentFailed(object);
            default -> "ignored: credits does not handle " + type;
        };
    }

    // ---- packs

    private String checkoutCompleted(String type, JsonNode session, Instant created) {
        JsonNode metadata = session.path("metadata");
        String customerId = text(metadata, Payments.META_CUSTOMER);
        if (customerId == null) {
            return "ignored: not a credits checkout (no " + Payments.META_CUSTOMER + ")";
        }
        CustomerIds.requireValid(customerId);
        rememberCustomer(customerId, id(session.path("customer")));
        String mode = session.path("mode").asText("");
        String paymentStatus = session.path("payment_status").asText("");
        if ("subscription".equals(mode)) {
            if (!"paid".equals(paymentStatus) && !"no_payment_required".equals(paymentStatus)) {
                return "ignored: the subscription's first payment is " + paymentStatus;
            }
            String stripeSubscription = id(session.path("subscription"));
            if (stripeSubscription == null) {
                return "ignored: no subscription in the session";
            }
            Subscription sub = link(stripeSubscription, customerId,
                    text(metadata, Payments.META_PLAN), null, null, created);
            return sub == null ? "ignored: the subscription was canceled or has no plan"
                    : "subscription " + sub.id() + " on plan " + sub.plan();
        }
        if (!"payment".equals(mode)) {
            return "ignored: a checkout in mode " + mode;
        }
        if (CHECKOUT_COMPLETED.equals(type) && !"paid".equals(paymentStatus)) {
            return "ignored: payment_status is " + paymentStatus + "; the purchase is made when"
                    + " " + ASYNC_SUCCEEDED + " arrives";
        }
        String product = text(metadata, Payments.META_PRODUCT);
        if (product == null) {
            return "ignored: no " + Payments.META_PRODUCT + " in the metadata";
        }
        int quantity = quantity(text(metadata, Payments.META_QUANTITY));
        String reference = id(session.path("payment_intent"));
        if (reference == null) {
            reference = session.path("id").asText(null);
        }
        reference = requireReference(reference);
        Purchase purchase = plans.purchase(customerId, product, quantity, reference);
        String pi = reference;
        Long amount = session.path("amount_total").canConvertToLong()
                ? session.path("amount_total").asLong() : null;
        String currency = currency(session);
        store.inTransaction(c -> {
            store.upsertPayment(c, pi, customerId, "purchase", purchase.id(), null, amount,
                    currency, 0, credits.now());
            return null;
        });
        String refund = refunds.apply(pi);
        return "purchase " + purchase.id() + (purchase.replayed() ? " (made before)" : "")
                + "; " + refund;
    }

    // ---- subscriptions

    /**
     * The credits subscription of a Stripe subscription, created (once, whoever asks first) with
     * the plan Stripe last said or the checkout's, paid through {@code paidThrough}. Null when
     * it cannot be made (Stripe canceled it first, or no plan is known).
     */
    private Subscription link(String stripeSubscription, String customerId, String planHint,
                              Instant startedAt, Instant paidThrough, Instant eventAt) {
        Instant now = credits.now();
        SubscriptionLink link = store.inTransaction(c -> store.lockLink(c, stripeSubscription,
                customerId, now));
        if (link.subscriptionId() != null) {
            if (paidThrough != null) {
                return plans.payThrough(link.subscriptionId(), paidThrough);
            }
            return plans.subscription(link.subscriptionId());
        }
        if ("canceled".equals(link.status())) {
            return null;
        }
        String planId = null;
        if (link.priceId() != null) {
            planId = plans.catalog().planByStripePrice(link.priceId()).map(Plan::id).orElse(null);
        }
        if (planId == null) {
            planId = planHint;
        }
        if (planId == null) {
            return null;
        }
        Instant started = startedAt == null || startedAt.isAfter(now) ? now : startedAt;
        // A subscription billed through Stripe renews only through what its invoices paid.
        Instant through = paidThrough == null ? started : paidThrough;
        Subscription sub = plans.create(link.customerId(), planId, started,
                "stripe-" + stripeSubscription, through);
        store.inTransaction(c -> {
            store.setLinkedSubscription(c, stripeSubscription, sub.id(), credits.now());
            return null;
        });
        return plans.payThrough(sub.id(), through);
    }

    private String invoicePaid(JsonNode invoice, Instant created) {
        JsonNode details = invoice.path("parent").path("subscription_details");
        String stripeSubscription = stripeSubscriptionOf(invoice);
        if (stripeSubscription == null) {
            return "ignored: not a subscription's invoice";
        }
        JsonNode metadata = details.path("metadata");
        if (!metadata.isObject()) {
            metadata = invoice.path("subscription_details").path("metadata");
        }
        String customerId = text(metadata, Payments.META_CUSTOMER);
        String stripeCustomer = id(invoice.path("customer"));
        if (customerId == null) {
            String mapped = store.inTransaction(c -> store.customerOfStripe(c, stripeCustomer));
            customerId = mapped;
        } else {
            CustomerIds.requireValid(customerId);
            rememberCustomer(customerId, stripeCustomer);
        }
        Instant periodStart = null;
        Instant periodEnd = null;
        String priceId = null;
        for (JsonNode line : invoice.path("lines").path("data")) {
            boolean subscriptionLine = line.path("parent").path("subscription_item_details")
                    .isObject() || "subscription".equals(line.path("type").asText())
                    || line.path("price").path("recurring").isObject();
            JsonNode period = line.path("period");
            if (!subscriptionLine || !period.path("end").canConvertToLong()) {
                continue;
            }
            Instant end = Instant.ofEpochSecond(period.path("end").asLong());
            if (periodEnd == null || end.isAfter(periodEnd)) {
                periodEnd = end;
                periodStart = Instant.ofEpochSecond(period.path("start").asLong());
                priceId = line.path("pricing").path("price_details").path("price").asText(null);
                if (priceId == null) {
                    priceId = id(line.path("price"));
                }
            }
        }
        if (periodEnd == null) {
            return "ignored: the invoice has no subscription period";
        }
        String planHint = text(metadata, Payments.META_PLAN);
        if (planHint == null && priceId != null) {
            planHint = plans.catalog().planByStripePrice(priceId).map(Plan::id).orElse(null);
        }
        String knownCustomer = customerId;
        SubscriptionLink known = store.inTransaction(c -> store.lockLink(c, stripeSubscription,
                knownCustomer, credits.now()));
        if (known == null) {
            return "ignored: the invoice's customer is not a credits customer";
        }
        if (known.subscriptionId() != null
                && "subscription_cycle".equals(invoice.path("billing_reason").asText())) {
            chargeDebt(known, periodStart, stripeCustomer);
        }
        Subscription sub = link(stripeSubscription, known.customerId(), planHint, periodStart,
                periodEnd, created);
        return sub == null ? "ignored: the subscription was canceled or has no plan"
                : "subscription " + sub.id() + " paid through " + periodEnd;
    }

    /** The Stripe subscription an invoice is for (the newer and the older shape). */
    private static String stripeSubscriptionOf(JsonNode invoice) {
        String id = id(invoice.path("parent").path("subscription_details").path("subscription"));
        return id != null ? id : id(invoice.path("subscription"));
    }

    /**
     * Records the debt of each wallet of the customer that is in debt and whose credit type has
     * a unit price, as an invoice item to add (in the background) to the subscription's next
     * invoice, once per (subscription, period, credit type).
     */
    private void chargeDebt(SubscriptionLink link, Instant periodStart, String stripeCustomer) {
        for (Map.Entry<String, Money> price : config.unitPrices().entrySet()) {
            if (!credits.creditTypes().contains(price.getKey())) {
                continue;
            }
            CreditType type = credits.creditTypes().require(price.getKey());
            Amount balance = credits.wallet(link.customerId(), type.id()).balance();
            if (balance.units() >= 0) {
                continue;
            }
            long debt = -balance.units();
            Money amount = price.getValue().times(debt, type.scale());
            if (amount.minor() <= 0) {
                continue;
            }
            Instant now = Instant.now();
            store.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("insert into stripe_debt_charges"
                        + " (stripe_subscription_id, period_start, credit_type, customer_id,"
                        + " debt_units, amount, currency, next_attempt_at, created_at)"
                        + " values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing")) {
                    ps.setString(1, link.stripeSubscriptionId());
                    Jdbc.setInstant(ps, 2, periodStart);
                    ps.setString(3, type.id());
                    ps.setString(4, link.customerId());
                    ps.setLong(5, debt);
                    ps.setLong(6, amount.minor());
                    ps.setString(7, amount.currency());
                    Jdbc.setInstant(ps, 8, now);
                    Jdbc.setInstant(ps, 9, now);
                    ps.executeUpdate();
                }
                return null;
            });
            if (stripeCustomer != null) {
                rememberCustomer(link.customerId(), stripeCustomer);
            }
        }
    }

    private String subscriptionUpdated(JsonNode subscription, Instant created, String eventId,
                                       boolean deleted) {
        String stripeSubscription = subscription.path("id").asText(null);
        if (stripeSubscription == null) {
            return "ignored: no subscription id";
        }
        String customerId = text(subscription.path("metadata"), Payments.META_CUSTOMER);
        if (customerId == null) {
            String stripeCustomer = id(subscription.path("customer"));
            customerId = store.inTransaction(c -> store.customerOfStripe(c, stripeCustomer));
        } else {
            CustomerIds.requireValid(customerId);
        }
        String status = deleted ? "canceled" : subscription.path("status").asText("");
        String priceId = null;
        for (JsonNode item : subscription.path("items").path("data")) {
            priceId = id(item.path("price"));
            break;
        }
        String price = priceId;
        String knownCustomer = customerId;
        Instant now = credits.now();
        SubscriptionLink link = store.inTransaction(c -> {
            SubscriptionLink row = store.lockLink(c, stripeSubscription, knownCustomer, now);
            if (row == null) {
                return null;
            }
            // Events arrive out of order: a state older than the one applied is not applied,
            // except that a cancellation is final whenever it arrives.
            boolean newer = row.stateAt() == null || !created.isBefore(row.stateAt());
            if ("canceled".equals(row.status()) && !deleted) {
                return row;
            }
            if (newer || deleted) {
                store.setLinkState(c, stripeSubscription, price, status, created, now);
                return new SubscriptionLink(row.stripeSubscriptionId(), row.customerId(),
                        row.subscriptionId(), price == null ? row.priceId() : price, status,
                        created);
            }
            return row;
        });
        if (link == null) {
            return "ignored: the subscription's customer is not a credits customer";
        }
        if (link.subscriptionId() == null) {
            return "recorded: " + status + "; applied when the subscription is created";
        }
        String key = "stripe-" + eventId;
        if ("canceled".equals(link.status()) || "incomplete_expired".equals(link.status())) {
            try {
                Subscription sub = plans.cancel(link.subscriptionId(), false, key);
                return "subscription " + sub.id() + " canceled";
            } catch (InvalidStateException e) {
                return "subscription " + link.subscriptionId() + " was canceled before";
            }
        }
        Subscription current = plans.subscription(link.subscriptionId());
        if (current.isCanceled()) {
            return "ignored: subscription " + current.id() + " is canceled";
        }
        Plan plan = link.priceId() == null ? null
                : plans.catalog().planByStripePrice(link.priceId()).orElse(null);
        if (plan == null) {
            return "status " + status + "; price " + link.priceId() + " is no plan's";
        }
        if (plan.id().equals(current.plan()) && current.pendingPlan() == null) {
            return "status " + status + "; plan " + plan.id() + " unchanged";
        }
        try {
            Subscription changed = plans.change(link.subscriptionId(), plan.id(), true, key);
            return "subscription " + changed.id() + " changed to plan " + changed.plan();
        } catch (InvalidStateException e) {
            return "status " + status + "; plan " + plan.id() + " not changed: "
                    + e.getMessage();
        }
    }

    // ---- refunds

    private String chargeRefunded(JsonNode charge) {
        String paymentIntent = id(charge.path("payment_intent"));
        if (paymentIntent == null) {
            return "ignored: the charge has no payment intent";
        }
        requireReference(paymentIntent);
        long refunded = charge.path("amount_refunded").asLong(0);
        Long amount = charge.path("amount").canConvertToLong() ? charge.path("amount").asLong()
                : null;
        String currency = currency(charge);
        if (refunded <= 0) {
            return "ignored: nothing refunded";
        }
        store.inTransaction(c -> {
            store.upsertPayment(c, paymentIntent, null, null, null, null, amount, currency,
                    refunded, credits.now());
            return null;
        });
        return refunds.apply(paymentIntent);
    }

    // ---- auto top-up

    private String intentSucceeded(JsonNode intent) {
        String topupId = text(intent.path("metadata"), Payments.META_TOPUP);
        if (topupId == null) {
            return "ignored: not an auto top-up's payment";
        }
        String paymentIntent = requireReference(intent.path("id").asText(null));
        AutoTopups.Topup topup;
        try {
            topup = topups.complete(topupId, paymentIntent);
        } catch (NotFoundException e) {
            return "ignored: top-up " + topupId + " is not known here";
        } catch (InvalidStateException e) {
            LOG.error("top-up {} was paid by {} but had failed already; refund the payment",
                    topupId, paymentIntent);
            return "refused: top-up " + topupId + " had failed; the payment should be refunded";
        }
        Long amount = intent.path("amount_received").canConvertToLong()
                && intent.path("amount_received").asLong() > 0
                ? intent.path("amount_received").asLong() : intent.path("amount").asLong(0);
        String currency = currency(intent);
        store.inTransaction(c -> {
            store.upsertPayment(c, paymentIntent, topup.customerId(), "topup", null, topupId,
                    amount, currency, 0, credits.now());
            return null;
        });
        return "top-up " + topupId + " " + topup.status() + "; " + refunds.apply(paymentIntent);
    }

    private String intentFailed(JsonNode intent) {
        String topupId = text(intent.path("metadata"), Payments.META_TOPUP);
        if (topupId == null) {
            return "ignored: not an auto top-up's payment";
        }
        String message = intent.path("last_payment_error").path("message").asText(null);
        String reason = "payment failed" + (message == null ? "" : ": "
                + message.substring(0, Math.min(message.length(), 500)));
        try {
            return "top-up " + topupId + " " + topups.fail(topupId, reason).status();
        } catch (NotFoundException e) {
            return "ignored: top-up " + topupId + " is not known here";
        } catch (InvalidStateException e) {
            return "ignored: top-up " + topupId + " is no longer waiting for its payment";
        }
    }

    // ---- helpers

    private void rememberCustomer(String customerId, String stripeCustomer) {
        if (stripeCustomer == null || stripeCustomer.length() > 255) {
            return;
        }
        store.inTransaction(c -> {
            store.rememberCustomer(c, customerId, stripeCustomer, credits.now());
            return null;
        });
    }

    /** An id field, whether Stripe sent the id or the expanded object. */
    static String id(JsonNode node) {
        if (node.isTextual()) {
            return node.asText().isEmpty() ? null : node.asText();
        }
        if (node.isObject() && node.path("id").isTextual()) {
            return node.path("id").asText();
        }
        return null;
    }

    private static String text(JsonNode metadata, String key) {
        JsonNode value = metadata.path(key);
        return value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }

    private static String currency(JsonNode object) {
        String currency = object.path("currency").asText("").toLowerCase(java.util.Locale.ROOT);
        return Money.CURRENCY_PATTERN.matcher(currency).matches() ? currency : null;
    }

    private static int quantity(String text) {
        if (text == null) {
            return 1;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ValidationException(Payments.META_QUANTITY, "must be a whole number, was '"
                    + text + "'");
        }
    }

    private static String requireReference(String reference) {
        if (reference == null || reference.isEmpty() || reference.length() > REFERENCE_LENGTH_MAX
                || !reference.chars().allMatch(ch -> ch > 0x20 && ch <= 0x7e)) {
            throw new ValidationException("payment_intent", "must be a Stripe id");
        }
        return reference;
    }
}
