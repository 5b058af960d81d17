package dev.credits.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditsException;
import dev.credits.CustomerIds;
import dev.credits.UnknownCreditTypeException;
import dev.credits.ValidationException;
import dev.credits.ai.AiCallRecord;
import dev.credits.ai.AiCallRequest;
import dev.credits.ai.AiConfig;
import dev.credits.ai.AiMetering;
import dev.credits.ai.AiUsage;
import dev.credits.ai.TokenUsage;
import dev.credits.ai.UsageGrouping;
import dev.credits.ai.UsageTotal;
import dev.credits.internal.Command;
import dev.credits.postgres.PostgresLedger;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The handlers of the AI metering routes (docs/ai.md): reserve a call's maximum cost, complete
 * it with its usage, cancel it, record usage after the fact, and read usage totals. Thin: parse,
 * call {@link AiMetering}, render.
 */
final class AiApi {
    private static final Set<String> RESERVE_FIELDS = Set.of("provider", "model", "feature",
            "max_input_tokens", "max_output_tokens", "expires_in_seconds");
    private static final Set<String> COMPLETE_FIELDS = Set.of("usage");
    private static final Set<String> USAGE_FIELDS = Set.of("provider", "model", "feature",
            "usage");
    private static final long TOKENS_ABSENT = -1;

    private final AiMetering ai; // null when the server has no credit type for AI calls
    private final ServerMetrics metrics;

    AiApi(AiMetering ai, ServerMetrics metrics) {
        this.ai = ai;
        this.metrics = metrics;
    }

    /** The default metering of a server without an {@code ai:} section, if it can have one. */
    static AiMetering defaultMetering(PostgresLedger ledger) {
        return ledger.credits().creditTypes().contains(AiConfig.CREDIT_TYPE_DEFAULT)
                ? AiMetering.open(ledger.credits(), ledger.dataSource(), AiConfig.defaults())
                : null;
    }

    void reserve(Context ctx) {
        String customer = customer(ctx);
        String key = LedgerApi.idempotencyKey(ctx);
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, RESERVE_FIELDS);
        AiCallRequest request = ai().forCustomer(customer)
                .model(body.requiredString("provider"), body.requiredString("model"))
                .feature(body.optionalString("feature"))
                .maxTokens(tokens(body, "max_input_tokens"), tokens(body, "max_output_tokens"))
                .expiresIn(Duration.ofSeconds(body.optionalInteger("expires_in_seconds",
                        Command.HOLD_LIFETIME_SECONDS_MIN, Command.HOLD_LIFETIME_SECONDS_MAX,
                        Command.HOLD_LIFETIME_SECONDS_DEFAULT)))
                .idempotencyKey(key);
        AiCallRecord call = run(ctx, "ai_reserve", () -> ai().reserve(request));
        LedgerApi.json(ctx, 201, reservation(call));
    }

    void complete(Context ctx) {
        String id = ctx.pathParam("id");
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, COMPLETE_FIELDS);
        TokenUsage usage = usage(body);
        AiCallRecord call = run(ctx, "ai_complete", () -> ai().complete(id, usage,
                latencyMs(id)));
        LedgerApi.json(ctx, 200, call(call));
    }

    void cancel(Context ctx) {
        String id = ctx.pathParam("id");
        JsonBody.parse(ctx.bodyAsBytes(), true, Set.of());
        AiCallRecord call = run(ctx, "ai_cancel", () -> ai().cancel(id));
        LedgerApi.json(ctx, 200, call(call));
    }

    void recordUsage(Context ctx) {
        String customer = customer(ctx);
        String key = LedgerApi.idempotencyKey(ctx);
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, USAGE_FIELDS);
        String provider = body.requiredString("provider");
        String model = body.requiredString("model");
        String feature = body.optionalString("feature");
        TokenUsage usage = usage(body);
        AiCallRecord call = run(ctx, "ai_usage", () -> ai().recordUsage(customer, provider,
                model, feature, usage, key));
        LedgerApi.json(ctx, 201, call(call));
    }

    void usageTotals(Context ctx) {
        String customer = customer(ctx);
        Instant from = time(ctx, "from");
        Instant to = time(ctx, "to");
        String groupBy = ctx.queryParam("group_by");
        UsageGrouping grouping = UsageGrouping.parse(groupBy);
        List<Object> data = new ArrayList<>();
        for (UsageTotal total : ai().usage(customer, from, to, grouping)) {
            data.add(total(total, grouping));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("customer_id", customer);
        out.put("credit_type", ai().creditType().id());
        out.put("group_by", grouping == UsageGrouping.NONE ? null : groupBy);
        out.put("data", data);
        LedgerApi.json(ctx, 200, out);
    }

    // ---- parsing

    private AiMetering ai() {
        if (ai == null) {
            throw new UnknownCreditTypeException(AiConfig.CREDIT_TYPE_DEFAULT);
        }
        return ai;
    }

    private static String customer(Context ctx) {
        return CustomerIds.requireValid(ctx.pathParam("customer"));
    }

    private static long tokens(JsonBody body, String field) {
        long value = body.optionalInteger(field, 0, TokenUsage.TOKENS_MAX, TOKENS_ABSENT);
        if (value == TOKENS_ABSENT) {
            throw new ValidationException(field, "is required");
        }
        return value;
    }

    private static TokenUsage usage(JsonBody body) {
        JsonNode usage = body.raw("usage");
        if (usage == null || usage.isNull()) {
            throw new ValidationException("usage", "is required");
        }
        if (!usage.isObject()) {
            throw JsonBody.wrongType("usage", "a JSON object", usage);
        }
        return AiUsage.fromUsageObject(usage);
    }

    private static Instant time(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null || value.isEmpty() ? null : JsonBody.parseTime(name, value);
    }

    /** A call's latency as seen by the server: from its reservation to its completion. */
    private Long latencyMs(String id) {
        try {
            AiCallRecord call = ai().get(id);
            Instant now = Instant.now();
            return call.createdAt() == null || now.isBefore(call.createdAt()) ? null
                    : Duration.between(call.createdAt(), now).toMillis();
        } catch (CreditsException e) {
            return null; // complete reports it
        }
    }

    private <T extends AiCallRecord> T run(Context ctx, String operation, Supplier<T> work) {
        T call;
        try {
            call = work.get();
        } catch (CreditsException e) {
            metrics.operation(operation, e.code());
            throw e;
        }
        LedgerApi.succeeded(ctx, metrics, operation, call.replayed());
        return call;
    }

    // ---- views

    /** The answer to a reservation; a replay answers the same. */
    private static Map<String, Object> reservation(AiCallRecord call) {
        Map<String, Object> view = identity(call);
        view.put("hold_id", call.holdId());
        view.put("reserved", String.valueOf(call.reserved()));
        view.put("status", "reserved");
        view.put("max_input_tokens", call.maxInputTokens());
        view.put("max_output_tokens", call.maxOutputTokens());
        view.put("expires_at", Views.time(call.expiresAt()));
        view.put("created_at", Views.time(call.createdAt()));
        return view;
    }

    static Map<String, Object> call(AiCallRecord call) {
        Map<String, Object> view = identity(call);
        view.put("status", call.status().wireName());
        view.put("hold_id", call.holdId());
        view.put("reserved", call.reserved() == null ? null : call.reserved().toString());
        view.put("usage", call.usage() == null ? null : usage(call.usage()));
        view.put("cost_usd", call.costUsd());
        view.put("credits", call.credits() == null ? null : call.credits().toString());
        view.put("transaction_id", call.transactionId());
        view.put("balance", call.balanceAfter() == null ? null : call.balanceAfter().toString());
        view.put("latency_ms", call.latencyMs());
        view.put("error", call.error());
        view.put("idempotency_key", call.idempotencyKey());
        view.put("created_at", Views.time(call.createdAt()));
        view.put("completed_at", call.completedAt() == null ? null
                : Views.time(call.completedAt()));
        return view;
    }

    /** The fields every view of a call starts with. */
    private static Map<String, Object> identity(AiCallRecord call) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", call.id());
        view.put("customer_id", call.customerId());
        view.put("credit_type", call.creditType());
        view.put("provider", call.provider());
        view.put("model", call.model());
        view.put("feature", call.feature());
        return view;
    }

    /** Usage in the provider-neutral shape: {@code input_tokens} counts every input token. */
    private static Map<String, Object> usage(TokenUsage u) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("input_tokens", u.totalInputTokens());
        view.put("cached_input_tokens", u.cachedInputTokens());
        view.put("cache_write_tokens", u.cacheWriteTokens());
        view.put("cache_write_1h_tokens", u.cacheWrite1hTokens());
        view.put("output_tokens", u.outputTokens());
        view.put("reasoning_tokens", u.reasoningTokens());
        return view;
    }

    private static Map<String, Object> total(UsageTotal t, UsageGrouping grouping) {
        Map<String, Object> view = new LinkedHashMap<>();
        if (grouping != UsageGrouping.NONE) {
            view.put(grouping.name().toLowerCase(Locale.ROOT), t.group());
        }
        view.put("calls", t.calls());
        view.put("input_tokens", t.inputTokens() + t.cachedInputTokens() + t.cacheWriteTokens()
                + t.cacheWrite1hTokens());
        view.put("cached_input_tokens", t.cachedInputTokens());
        view.put("cache_write_tokens", t.cacheWriteTokens());
        view.put("cache_write_1h_tokens", t.cacheWrite1hTokens());
        view.put("output_tokens", t.outputTokens());
        view.put("reasoning_tokens", t.reasoningTokens());
        view.put("cost_usd", t.costUsd());
        view.put("credits", t.credits().toString());
        return view;
    }
}
