package dev.credits.payments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidStateException;
import dev.credits.Money;
import dev.credits.NotFoundException;
import dev.credits.OverloadedException;
import dev.credits.ValidationException;
import dev.credits.internal.Command;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import dev.credits.payments.PaymentStore.SubscriptionLink;
import dev.credits.plans.Plan;
import dev.credits.plans.Plans;
import dev.credits.plans.Purchase;
import dev.credits.plans.Subscription;
import dev.credits.postgres.Jdbc;
import dev.credits.webhooks.AutoTopups;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
    static final String DISPUTE_FUNDS_WITHDRAWN = "charge.dispute.funds_withdrawn";
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
            case SUBSCRIPTION_UPDATED -> subscriptionUpdated(object, created, false);
            case SUBSCRIPTION_DELETED -> subscriptionUpdated(object, created, true);
            case CHARGE_REFUNDED -> chargeRefunded(object);
            case DISPUTE_FUNDS_WITHDRAWN -> disputeFundsWithdrawn(object);
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
                    text(metadata, Payments.META_PLAN), null, null);
            return sub == null ? "ignored: the subscription was canceled or has no plan"
                    : "subscription " + sub.id() + " on plan " + sub.plan();
        }
        if (!"payment".equals(mode)) {
            return "ignored: a checkout in mode " + mode;
        }
        if (CHECKOUT_COMPLETED.equals(type) && !"paid".equals(paymentStatus)
                && !"no_payment_required".equals(paymentStatus)) { // 100% off: nothing to pay
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
        Long amount = session.path("amount_total").canConvertToLong()
                ? session.path("amount_total").asLong() : null;
        String currency = currency(session);
        // The cost basis is what was paid: after discounts, without tax.
        dev.credits.Money paid = null;
        if (amount != null && currency != null) {
            long tax = session.path("total_details").path("amount_tax").asLong(0);
            paid = money(tax >= 0 && tax <= amount ? amount - tax : amount, currency);
        }
        Purchase purchase = plans.purchase(customerId, product, quantity, reference, null,
                paid);
        String pi = reference;
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
     * The credits subscription of a Stripe subscription, created once whoever asks first. Its
     * plan (the one of the price Stripe last said, else the checkout's) and its start are chosen
     * once, under the link's lock, and kept: every later attempt (a retry after a crash, an
     * invoice racing the checkout) creates it with exactly those, which the subscription's key
     * replays. A state Stripe sent meanwhile is applied once it exists. Null when it cannot be
     * made (Stripe canceled it first, or no plan is known).
     */
    private Subscription link(String stripeSubscription, String customerId, String planHint,
                              Instant startedAt, Instant paidThrough) {
        Instant now = credits.now();
        SubscriptionLink link = store.inTransaction(c -> {
            SubscriptionLink row = store.lockLink(c, stripeSubscription, customerId, now);
            if (row == null || row.subscriptionId() != null || row.plan() != null
                    || "canceled".equals(row.status())) {
                return row;
            }
            String planId = row.priceId() == null ? null : plans.catalog()
                    .planByStripePrice(row.priceId()).map(Plan::id).orElse(null);
            if (planId == null) {
                planId = planHint;
            }
            if (planId == null) {
                return row;
            }
            plans.catalog().requirePlan(planId);
            Instant started = startedAt == null || startedAt.isAfter(now) ? now : startedAt;
            store.setLinkChoice(c, stripeSubscription, planId, started, now);
            return row.withChoice(planId, started);
        });
        if (link == null) {
            return null;
        }
        String id = link.subscriptionId();
        if (id == null) {
            if (link.plan() == null) {
                return null;
            }
            // A subscription billed through Stripe renews only through what its invoices paid.
            Subscription sub = plans.create(link.customerId(), link.plan(), link.startedAt(),
                    "stripe-" + stripeSubscription, link.startedAt());
            store.inTransaction(c -> {
                store.setLinkedSubscription(c, stripeSubscription, sub.id(), credits.now());
                return null;
            });
            id = sub.id();
        }
        // A state Stripe sent before the subscription existed (or that a crash left unapplied)
        // is applied now; applying it again changes nothing.
        reconcile(stripeSubscription);
        return paidThrough == null ? plans.subscription(id) : plans.payThrough(id, paidThrough);
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
            chargeDebt(known, periodStart, stripeCustomer); // before the renewal's grant
        }
        Subscription sub = link(stripeSubscription, known.customerId(), planHint, periodStart,
                periodEnd);
        return sub == null ? "ignored: the subscription was canceled or has no plan"
                : "subscription " + sub.id() + " paid through " + periodEnd;
    }

    /** The Stripe subscription an invoice is for (the newer and the older shape). */
    private static String stripeSubscriptionOf(JsonNode invoice) {
        String id = id(invoice.path("parent").path("subscription_details").path("subscription"));
        return id != null ? id : id(invoice.path("subscription"));
    }

    /**
     * Charges the debt of each wallet of the customer that is in debt and whose credit type has a
     * unit price, once per (subscription, period, credit type): the charge is recorded; in the
     * background its invoice item is added to the subscription's next invoice and, once Stripe
     * has it, the debt is settled in the ledger by an adjustment of the same amount, so that the
     * money pays for the overdraft and the allowance is not spent on it too. Under a lock per
     * wallet, a debt already charged but not yet settled is not charged again.
     */
    private void chargeDebt(SubscriptionLink link, Instant periodStart, String stripeCustomer) {
        if (stripeCustomer != null) {
            rememberCustomer(link.customerId(), stripeCustomer);
        }
        for (Map.Entry<String, Money> price : config.unitPrices().entrySet()) {
            if (!credits.creditTypes().contains(price.getKey())) {
                continue;
            }
            CreditType type = credits.creditTypes().require(price.getKey());
            Instant now = Instant.now();
            store.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "select pg_advisory_xact_lock(hashtext(?))")) {
                    ps.setString(1, "credits-debt:" + link.customerId() + ":" + type.id());
                    ps.execute();
                }
                long unsettled;
                try (PreparedStatement ps = c.prepareStatement("select coalesce(sum("
                        + "debt_units), 0) from stripe_debt_charges where customer_id = ?"
                        + " and credit_type = ? and settled_at is null")) {
                    ps.setString(1, link.customerId());
                    ps.setString(2, type.id());
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        unsettled = rs.getLong(1);
                    }
                }
                long debt = -credits.wallet(link.customerId(), type.id()).balance().units()
                        - unsettled;
                if (debt <= 0) {
                    return null;
                }
                Money amount = price.getValue().times(debt, type.scale());
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
        }
    }

    /**
     * Settles the debt charges Stripe has the invoice item of (the customer's, or all when
     * null) in the ledger, once each; one that fails is left for the next run.
     */
    int settleDebts(String customerId) {
        List<Object[]> unsettled = store.inTransaction(c -> {
            List<Object[]> out = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select stripe_subscription_id,"
                    + " period_start, credit_type, customer_id, debt_units from"
                    + " stripe_debt_charges where settled_at is null"
                    + " and invoice_item_id is not null"
                    + (customerId == null ? "" : " and customer_id = ?")
                    + " order by created_at limit 100")) {
                if (customerId != null) {
                    ps.setString(1, customerId);
                }
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Object[] {rs.getString(1), Jdbc.getInstant(rs, 2),
                                rs.getString(3), rs.getString(4), rs.getLong(5)});
                    }
                }
            }
            return out;
        });
        int settled = 0;
        for (Object[] row : unsettled) {
            try {
                settle(row);
                settled++;
            } catch (RuntimeException e) {
                LOG.warn("debt charge of {} {} is not settled yet: {}", row[3], row[2],
                        e.toString());
            }
        }
        return settled;
    }

    private void settle(Object[] row) {
        String stripeSubscription = (String) row[0];
        Instant periodStart = (Instant) row[1];
        String creditType = (String) row[2];
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("stripe_subscription", stripeSubscription);
        metadata.put("period_start", periodStart.toString());
        credits.run(new Command.Adjust(new WalletKey((String) row[3], creditType),
                (long) row[4], "debt at renewal, charged on the Stripe invoice",
                Json.metadata(metadata), IdempotencyKeys.derived("stripe-debt:"
                + stripeSubscription + ":" + periodStart.getEpochSecond() + ":"
                + creditType)));
        store.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update stripe_debt_charges set"
                    + " settled_at = coalesce(settled_at, ?) where stripe_subscription_id = ?"
                    + " and period_start = ? and credit_type = ?")) {
                Jdbc.setInstant(ps, 1, credits.now());
                ps.setString(2, stripeSubscription);
                Jdbc.setInstant(ps, 3, periodStart);
                ps.setString(4, creditType);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private String subscriptionUpdated(JsonNode subscription, Instant created,
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
            }
            return row;
        });
        if (link == null) {
            return "ignored: the subscription's customer is not a credits customer";
        }
        return "status " + status + "; " + reconcile(stripeSubscription);
    }

    /**
     * Brings the credits subscription to the state Stripe last said (stored on the link): a
     * cancellation, or the plan of its price. Runs under the link's lock, so that two events
     * racing cannot leave an older state applied last; each change or cancellation has a key
     * derived from the state it applies, so that running it again replays it. A refusal that a
     * retry may clear (the subscription is busy) throws {@link OverloadedException}, which leaves
     * the event to be handled again.
     */
    private String reconcile(String stripeSubscription) {
        return store.inTransaction(c -> {
            SubscriptionLink link = store.lockLink(c, stripeSubscription, null, credits.now());
            if (link == null || link.subscriptionId() == null) {
                return "applied when the subscription is created";
            }
            String id = link.subscriptionId();
            String key = "stripe-" + stripeSubscription + "-" + (link.stateAt() == null ? 0
                    : link.stateAt().getEpochSecond());
            Subscription current = plans.subscription(id);
            if ("canceled".equals(link.status()) || "incomplete_expired".equals(link.status())) {
                if (current.isCanceled()) {
                    return "subscription " + id + " is canceled";
                }
                try {
                    plans.cancel(id, false, key + "-cancel");
                } catch (InvalidStateException e) {
                    if (!plans.subscription(id).isCanceled()) {
                        throw new OverloadedException("subscription " + id + " could not be"
                                + " canceled yet (" + e.getMessage() + "); it is retried");
                    }
                }
                return "subscription " + id + " canceled";
            }
            if (current.isCanceled()) {
                return "subscription " + id + " is canceled";
            }
            Plan plan = link.priceId() == null ? null
                    : plans.catalog().planByStripePrice(link.priceId()).orElse(null);
            if (plan == null) {
                return "price " + link.priceId() + " is no plan's; plan " + current.plan()
                        + " kept";
            }
            if (plan.id().equals(current.plan()) && current.pendingPlan() == null) {
                return "plan " + plan.id() + " unchanged";
            }
            if (plan.id().equals(current.pendingPlan())) {
                return "plan " + plan.id() + " takes effect at the next renewal";
            }
            try {
                plans.change(id, plan.id(), true, key + "-" + plan.id());
            } catch (InvalidStateException e) {
                Subscription now = plans.subscription(id);
                if (now.plan().equals(plan.id())) {
                    return "plan " + plan.id();
                }
                if (now.isCanceled() || now.cancelAt() != null) {
                    return "plan " + plan.id() + " not applied: the subscription is canceled or"
                            + " cancels at " + now.cancelAt();
                }
                throw new OverloadedException("subscription " + id + " could not change yet ("
                        + e.getMessage() + "); it is retried");
            }
            return "changed to plan " + plan.id();
        });
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

    /**
     * A dispute's funds were withdrawn (a chargeback, when the dispute opens): the disputed amount
     * is given back like a refund, in proportion, with what a refund of the same payment gave
     * back counted too. A dispute won later does not give the credits back by itself.
     */
    private String disputeFundsWithdrawn(JsonNode dispute) {
        String paymentIntent = id(dispute.path("payment_intent"));
        if (paymentIntent == null) {
            return "ignored: the dispute has no payment intent";
        }
        requireReference(paymentIntent);
        long disputed = dispute.path("amount").asLong(0);
        if (disputed <= 0) {
            return "ignored: nothing disputed";
        }
        String currency = currency(dispute);
        store.inTransaction(c -> {
            store.upsertPayment(c, paymentIntent, null, null, null, null, null, currency, 0,
                    disputed, credits.now());
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
        Long received = intent.path("amount_received").canConvertToLong()
                && intent.path("amount_received").asLong() > 0
                ? intent.path("amount_received").asLong() : intent.path("amount").asLong(0);
        String paidIn = currency(intent);
        AutoTopups.Topup topup;
        try {
            // The grant's cost basis is what credits asked Stripe to charge (the same whoever
            // completes it: this event or the background's answer from Stripe).
            topup = topups.complete(topupId, paymentIntent, topupCost(topupId));
        } catch (NotFoundException e) {
            return "ignored: top-up " + topupId + " is not known here";
        } catch (InvalidStateException | dev.credits.IdempotencyConflictException e) {
            // Paid after it had failed or lapsed, or completed already with another payment:
            // this payment goes back (in the background).
            String customerId = topups.topup(topupId).customerId();
            store.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("insert into"
                        + " stripe_topup_payments (topup_id, customer_id, payment_intent, status,"
                        + " next_attempt_at, created_at) values (?, ?, ?, 'refunding', ?, ?)"
                        + " on conflict (topup_id) do update set status = 'refunding',"
                        + " payment_intent = excluded.payment_intent, attempts = 0,"
                        + " next_attempt_at = excluded.next_attempt_at"
                        + " where stripe_topup_payments.status not in ('refunding', 'refunded')")) {
                    ps.setString(1, topupId);
                    ps.setString(2, customerId);
                    ps.setString(3, paymentIntent);
                    Jdbc.setInstant(ps, 4, Instant.now());
                    Jdbc.setInstant(ps, 5, Instant.now());
                    ps.executeUpdate();
                }
                return null;
            });
            LOG.warn("top-up {} was paid by {}, which it no longer waited for ({}); the payment"
                    + " is refunded", topupId, paymentIntent, e.getMessage());
            return "top-up " + topupId + " no longer waited for this payment; it is refunded";
        }
        store.inTransaction(c -> {
            store.upsertPayment(c, paymentIntent, topup.customerId(), "topup", null, topupId,
                    received, paidIn, 0, credits.now());
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
                + message.substring(0, Math.min(message.length(), Background.REASON_LENGTH_MAX
                - 100)));
        try {
            return "top-up " + topupId + " " + topups.fail(topupId, reason).status();
        } catch (NotFoundException e) {
            return "ignored: top-up " + topupId + " is not known here";
        } catch (InvalidStateException e) {
            return "ignored: top-up " + topupId + " is no longer waiting for its payment";
        }
    }

    // ---- helpers

    /** What credits charges for a top-up: its amount × its credit type's unit price, or null. */
    dev.credits.Money topupCost(String topupId) {
        AutoTopups.Topup topup = topups.topup(topupId);
        dev.credits.Money unit = config.unitPrices().get(topup.creditType());
        if (unit == null) {
            return null;
        }
        dev.credits.Money cost = unit.times(topup.amount().units(), topup.amount().scale());
        return cost.minor() > 0 ? cost : null;
    }

    /**
     * A cost basis from Stripe's figures; null for nothing paid (a 100% discount) or a currency
     * credits does not know (the purchase is made all the same, without one).
     */
    private static dev.credits.Money money(long minor, String currency) {
        if (minor <= 0) {
            return null;
        }
        try {
            return new dev.credits.Money(minor, currency);
        } catch (dev.credits.InvalidAmountException e) {
            LOG.warn("a payment in {} has no cost basis: {}", currency, e.getMessage());
            return null;
        }
    }

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
