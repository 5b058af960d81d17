package dev.credits.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CustomerIds;
import dev.credits.GrantRecord;
import dev.credits.NotFoundException;
import dev.credits.ValidationException;
import dev.credits.plans.Plans;
import dev.credits.plans.Purchase;
import dev.credits.plans.Subscription;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The handlers of subscriptions, purchases and the test clock (docs/plans.md). Each parses and
 * validates the request, calls {@link Plans}, and renders the result; nothing else.
 */
final class PlansApi {
    static final String CANCEL_NOW = "now";
    static final String CANCEL_PERIOD_END = "period_end";
    private static final Set<String> CREATE_FIELDS = Set.of("plan", "started_at");
    private static final Set<String> CHANGE_FIELDS = Set.of("plan", "prorate");
    private static final Set<String> CANCEL_FIELDS = Set.of("at");
    private static final Set<String> RENEW_FIELDS = Set.of("period_start");
    private static final Set<String> PURCHASE_FIELDS = Set.of("product", "quantity",
            "payment_reference");
    private static final Set<String> ADVANCE_FIELDS = Set.of("seconds", "to");

    private final Plans plans;

    PlansApi(Plans plans) {
        this.plans = plans;
    }

    // ---- the catalog

    /** {@code GET /v1/plans}: every plan of the catalog, in the configuration's order. */
    void listPlans(Context ctx) {
        List<Object> data = new ArrayList<>();
        for (dev.credits.plans.Plan plan : plans.catalog().plans()) {
            data.add(plan(plan));
        }
        LedgerApi.json(ctx, 200, Views.list(data));
    }

    /** {@code GET /v1/products}: every product (pack) of the catalog. */
    void listProducts(Context ctx) {
        List<Object> data = new ArrayList<>();
        for (dev.credits.plans.Product product : plans.catalog().products()) {
            data.add(product(product));
        }
        LedgerApi.json(ctx, 200, Views.list(data));
    }

    static Map<String, Object> plan(dev.credits.plans.Plan plan) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", plan.id());
        out.put("name", plan.name());
        out.put("interval", plan.interval().wireName());
        out.put("provides_monthly", provisions(plan.providesMonthly()));
        Map<String, Object> rollover = null;
        if (plan.rollover() != null) {
            rollover = new LinkedHashMap<>();
            if (plan.rollover().maxAmount() != null) {
                rollover.put("max_amount", plan.rollover().maxAmount().toPlainString());
            } else {
                rollover.put("max_percent", plan.rollover().maxPercent());
            }
        }
        out.put("rollover", rollover);
        out.put("stripe_price_id", plan.stripePriceId());
        return out;
    }

    static Map<String, Object> product(dev.credits.plans.Product product) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", product.id());
        out.put("name", product.name());
        out.put("price", product.price() == null ? null : Map.of("amount",
                product.price().amount(), "currency", product.price().currency()));
        out.put("provides", provisions(product.provides()));
        out.put("stripe_price_id", product.stripePriceId());
        return out;
    }

    private static List<Object> provisions(List<dev.credits.plans.Provision> provisions) {
        List<Object> out = new ArrayList<>();
        for (dev.credits.plans.Provision p : provisions) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("credit_type", p.creditType());
            view.put("amount", Views.text(p.amount()));
            view.put("expires_after", p.expiresAfter() == null ? null
                    : p.expiresAfter().toString());
            out.add(view);
        }
        return out;
    }

    // ---- subscriptions

    void createSubscription(Context ctx) {
        String customer = customer(ctx);
        String key = LedgerApi.idempotencyKey(ctx);
        JsonBody body = body(ctx, false, CREATE_FIELDS);
        String plan = body.requiredString("plan");
        Instant startedAt = body.optionalTime("started_at");
        LedgerApi.json(ctx, 201, view(ctx, plans.create(customer, plan, startedAt, key)));
    }

    void listSubscriptions(Context ctx) {
        List<Object> data = new ArrayList<>();
        for (Subscription subscription : plans.subscriptions(customer(ctx))) {
            data.add(view(subscription));
        }
        LedgerApi.json(ctx, 200, Views.list(data));
    }

    void getSubscription(Context ctx) {
        LedgerApi.json(ctx, 200, view(plans.subscription(ctx.pathParam("id"))));
    }

    void change(Context ctx) {
        JsonBody body = body(ctx, false, CHANGE_FIELDS);
        String plan = body.requiredString("plan");
        JsonNode prorate = body.raw("prorate");
        if (prorate != null && !prorate.isNull() && !prorate.isBoolean()) {
            throw JsonBody.wrongType("prorate", "true or false", prorate);
        }
        boolean prorating = prorate == null || prorate.isNull() || prorate.booleanValue();
        LedgerApi.json(ctx, 200, view(ctx, plans.change(ctx.pathParam("id"), plan, prorating,
                LedgerApi.idempotencyKey(ctx))));
    }

    void cancel(Context ctx) {
        JsonBody body = body(ctx, true, CANCEL_FIELDS);
        String at = body.optionalString("at");
        if (at != null && !at.equals(CANCEL_NOW) && !at.equals(CANCEL_PERIOD_END)) {
            throw new ValidationException("at", "must be now or period_end");
        }
        boolean atPeriodEnd = at == null || at.equals(CANCEL_PERIOD_END);
        LedgerApi.json(ctx, 200, view(ctx, plans.cancel(ctx.pathParam("id"), atPeriodEnd,
                LedgerApi.idempotencyKey(ctx))));
    }

    void renew(Context ctx) {
        JsonBody body = body(ctx, false, RENEW_FIELDS);
        Instant periodStart = body.optionalTime("period_start");
        if (periodStart == null) {
            throw new ValidationException("period_start", "is required");
        }
        LedgerApi.json(ctx, 200, view(plans.renew(ctx.pathParam("id"), periodStart)));
    }

    // ---- purchases

    void purchase(Context ctx) {
        String customer = customer(ctx);
        JsonBody body = body(ctx, false, PURCHASE_FIELDS);
        String product = body.requiredString("product");
        if (!body.has("quantity")) {
            throw new ValidationException("quantity", "is required");
        }
        int quantity = (int) body.optionalInteger("quantity", Plans.QUANTITY_MIN,
                Plans.QUANTITY_MAX, Plans.QUANTITY_MIN);
        String reference = body.requiredString("payment_reference");
        Purchase purchase = plans.purchase(customer, product, quantity, reference,
                LedgerApi.idempotencyKey(ctx));
        if (purchase.replayed()) {
            ctx.header(LedgerApi.IDEMPOTENT_REPLAYED, "true");
        }
        LedgerApi.json(ctx, 201, view(purchase));
    }

    // ---- the test clock

    void testClock(Context ctx) {
        requireTestClock();
        LedgerApi.json(ctx, 200, Map.of("now", Views.time(plans.testClock().get().instant())));
    }

    void advanceTestClock(Context ctx) {
        requireTestClock();
        JsonBody body = body(ctx, false, ADVANCE_FIELDS);
        if (body.has("seconds") == body.has("to")) {
            throw new ValidationException("seconds", "send exactly one of seconds or to");
        }
        Long seconds = null;
        Instant to = null;
        if (body.has("seconds")) {
            seconds = body.optionalInteger("seconds", 0, Plans.ADVANCE_SECONDS_MAX, 0);
        } else {
            to = body.optionalTime("to");
            if (to == null) {
                throw new ValidationException("to", "is required");
            }
        }
        Instant now = plans.advanceTestClock(seconds, to, LedgerApi.idempotencyKey(ctx));
        LedgerApi.json(ctx, 200, Map.of("now", Views.time(now)));
    }

    /** Without {@code --test-clock} the test clock's routes do not exist. */
    private void requireTestClock() {
        if (plans.testClock().isEmpty()) {
            throw new NotFoundException("the test clock is off; start the server with"
                    + " --test-clock to simulate time");
        }
    }

    // ---- views

    /** The subscription's view, marking a replay with the Idempotent-Replayed header. */
    private static Map<String, Object> view(Context ctx, Subscription s) {
        if (s.replayed()) {
            ctx.header(LedgerApi.IDEMPOTENT_REPLAYED, "true");
        }
        return view(s);
    }

    static Map<String, Object> view(Subscription s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        out.put("customer_id", s.customerId());
        out.put("plan", s.plan());
        out.put("pending_plan", s.pendingPlan());
        out.put("status", s.status());
        out.put("started_at", Views.time(s.startedAt()));
        out.put("current_period_start", Views.time(s.currentPeriodStart()));
        out.put("current_period_end", Views.time(s.currentPeriodEnd()));
        out.put("allowance_period_start", Views.time(s.allowancePeriodStart()));
        out.put("allowance_period_end", Views.time(s.allowancePeriodEnd()));
        out.put("cancel_at", Views.time(s.cancelAt()));
        return out;
    }

    static Map<String, Object> view(Purchase p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", p.id());
        out.put("customer_id", p.customerId());
        out.put("product", p.product());
        out.put("quantity", p.quantity());
        out.put("payment_reference", p.paymentReference());
        out.put("created_at", Views.time(p.createdAt()));
        List<Object> grants = new ArrayList<>();
        for (GrantRecord grant : p.grants()) {
            // The wallet's balance right after each grant is known only the first time; a
            // replay must answer the same body, so a purchase's grants never show it.
            Map<String, Object> view = Views.grant(grant);
            view.remove("balance");
            grants.add(view);
        }
        out.put("grants", grants);
        return out;
    }

    private static String customer(Context ctx) {
        return CustomerIds.requireValid(ctx.pathParam("customer"));
    }

    private static JsonBody body(Context ctx, boolean optional, Set<String> allowed) {
        return JsonBody.parse(ctx.bodyAsBytes(), optional, allowed);
    }
}
