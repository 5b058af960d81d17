package dev.credits.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CustomerIds;
import dev.credits.webhooks.AutoTopups;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The handlers of auto top-up rules and top-ups (docs/webhooks.md, "Auto top-up"). */
final class TopupsApi {
    private static final Set<String> RULE_FIELDS = Set.of("enabled", "threshold", "amount",
            "target", "product", "max_per_day");
    private static final Set<String> COMPLETE_FIELDS = Set.of("payment_reference");
    private static final Set<String> FAIL_FIELDS = Set.of("reason");

    private final AutoTopups topups;
    private final dev.credits.CreditTypes types;

    TopupsApi(AutoTopups topups, dev.credits.CreditTypes types) {
        this.topups = topups;
        this.types = types;
    }

    void putRule(Context ctx) {
        String customer = CustomerIds.requireValid(ctx.pathParam("customer"));
        CreditType type = types.require(ctx.pathParam("credit_type"));
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, RULE_FIELDS);
        JsonNode enabled = body.raw("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw JsonBody.wrongType("enabled", "true or false", enabled);
        }
        Integer maxPerDay = body.has("max_per_day") && !body.raw("max_per_day").isNull()
                ? (int) body.optionalInteger("max_per_day", AutoTopups.MAX_PER_DAY_MIN,
                AutoTopups.MAX_PER_DAY_MAX, AutoTopups.MAX_PER_DAY_DEFAULT) : null;
        AutoTopups.Rule rule = topups.put(customer, type.id(),
                enabled == null || enabled.isNull() || enabled.booleanValue(),
                amountText(body, "threshold", type), amountText(body, "amount", type),
                amountText(body, "target", type), body.optionalString("product"), maxPerDay);
        LedgerApi.json(ctx, 200, rule(rule));
    }

    void getRule(Context ctx) {
        LedgerApi.json(ctx, 200, rule(topups.rule(ctx.pathParam("customer"),
                ctx.pathParam("credit_type"))));
    }

    void deleteRule(Context ctx) {
        topups.delete(ctx.pathParam("customer"), ctx.pathParam("credit_type"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("deleted", true);
        LedgerApi.json(ctx, 200, out);
    }

    void get(Context ctx) {
        LedgerApi.json(ctx, 200, topup(topups.topup(ctx.pathParam("id"))));
    }

    void complete(Context ctx) {
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, COMPLETE_FIELDS);
        LedgerApi.json(ctx, 200, topup(topups.complete(ctx.pathParam("id"),
                body.requiredString("payment_reference"))));
    }

    void fail(Context ctx) {
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), true, FAIL_FIELDS);
        LedgerApi.json(ctx, 200, topup(topups.fail(ctx.pathParam("id"),
                body.optionalString("reason"))));
    }

    /** An amount field as a decimal string (sent as a string or a JSON number); null if absent. */
    private static String amountText(JsonBody body, String field, CreditType type) {
        JsonNode raw = body.raw(field);
        if (raw == null || raw.isNull()) {
            return null;
        }
        Amount amount = JsonBody.amount(field, raw, type.scale());
        return amount.toString();
    }

    static Map<String, Object> rule(AutoTopups.Rule r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("customer_id", r.customerId());
        out.put("credit_type", r.creditType());
        out.put("enabled", r.enabled());
        out.put("threshold", r.threshold().toString());
        out.put("amount", r.amount() == null ? null : r.amount().toString());
        out.put("target", r.target() == null ? null : r.target().toString());
        out.put("product", r.product());
        out.put("max_per_day", r.maxPerDay());
        out.put("failures_in_row", r.failuresInRow());
        out.put("created_at", r.createdAt().toString());
        out.put("updated_at", r.updatedAt().toString());
        return out;
    }

    static Map<String, Object> topup(AutoTopups.Topup t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", t.id());
        out.put("customer_id", t.customerId());
        out.put("credit_type", t.creditType());
        out.put("amount", t.amount().toString());
        out.put("status", t.status());
        out.put("payment_reference", t.paymentReference());
        out.put("reason", t.reason());
        out.put("grant_id", t.grantId());
        out.put("created_at", t.createdAt().toString());
        out.put("finished_at", t.finishedAt() == null ? null : t.finishedAt().toString());
        return out;
    }
}
