package dev.credits.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.CustomerIds;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidAmountException;
import dev.credits.Money;
import dev.credits.OverdraftLimit;
import dev.credits.SpendResult;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.ValidationException;
import dev.credits.Wallet;
import dev.credits.WalletBalance;
import dev.credits.internal.Command;
import dev.credits.internal.Executed;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The handlers of the {@code /v1} ledger routes. Each one parses and validates the request, runs
 * one command or query on the ledger, and renders the result; nothing else.
 */
final class LedgerApi {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
    static final String JSON = "application/json";
    static final String OUTCOME_OK = "ok";
    static final String OUTCOME_REPLAYED = "replayed";

    private static final Set<String> GRANT_FIELDS = Set.of("credit_type", "amount", "source",
            "priority", "effective_at", "expires_at", "reason", "metadata", "cost_basis");
    private static final Set<String> SPEND_FIELDS = Set.of("credit_type", "amount", "feature",
            "reason", "metadata");
    private static final Set<String> ADJUSTMENT_FIELDS = Set.of("credit_type", "amount",
            "reason", "metadata");
    private static final Set<String> HOLD_FIELDS = Set.of("credit_type", "amount",
            "expires_in_seconds", "feature", "metadata");
    private static final Set<String> CAPTURE_FIELDS = Set.of("amount");
    private static final Set<String> VOID_FIELDS = Set.of("reason");
    private static final Set<String> WALLET_FIELDS = Set.of("overdraft_limit",
            "alert_thresholds");

    private final Credits credits;
    private final ServerMetrics metrics;

    LedgerApi(Credits credits, ServerMetrics metrics) {
        this.credits = credits;
        this.metrics = metrics;
    }

    // ---- credit types and wallets

    void creditTypes(Context ctx) {
        List<Object> data = new ArrayList<>();
        for (CreditType type : credits.creditTypes().all()) {
            data.add(Views.creditType(type));
        }
        json(ctx, 200, Views.list(data));
    }

    /** Every configured credit type's wallet, now or with {@code ?at=} as they stood then. */
    void wallets(Context ctx) {
        String customer = customer(ctx);
        Instant at = at(ctx);
        List<Object> data = new ArrayList<>();
        for (CreditType type : credits.creditTypes().all()) {
            data.add(Views.wallet(walletState(credits.wallet(customer, type.id()), at)));
        }
        json(ctx, 200, Views.list(data));
    }

    /** The wallet now, or with {@code ?at=} as it stood then. */
    void wallet(Context ctx) {
        String customer = customer(ctx);
        CreditType type = credits.creditTypes().require(ctx.pathParam("credit_type"));
        json(ctx, 200, Views.wallet(walletState(credits.wallet(customer, type.id()), at(ctx))));
    }

    private static WalletBalance walletState(Wallet wallet, Instant at) {
        return at == null ? wallet.state() : wallet.stateAt(at);
    }

    /** The {@code at} query parameter: a past time, or null for now. */
    private Instant at(Context ctx) {
        String at = query(ctx, "at");
        if (at == null) {
            return null;
        }
        Instant instant = JsonBody.parseTime("at", at);
        if (instant.isAfter(credits.now())) {
            throw new ValidationException("at", "must not be in the future");
        }
        return instant;
    }

    void setOverdraftLimit(Context ctx) {
        String customer = customer(ctx);
        CreditType type = credits.creditTypes().require(ctx.pathParam("credit_type"));
        JsonBody body = body(ctx, false, WALLET_FIELDS);
        boolean setsOverdraft = body.has("overdraft_limit");
        boolean setsAlerts = body.has("alert_thresholds");
        if (!setsOverdraft && !setsAlerts) {
            throw new ValidationException("overdraft_limit", "give overdraft_limit,"
                    + " alert_thresholds, or both; null returns to the credit type's default");
        }
        JsonNode raw = body.raw("overdraft_limit");
        OverdraftLimit limit = !setsOverdraft || raw.isNull() ? null : overdraftLimit(raw, type);
        List<Long> thresholds = setsAlerts ? alertThresholds(body.raw("alert_thresholds"), type)
                : null;
        execute(ctx, "configure_wallet", new Command.ConfigureWallet(
                new WalletKey(customer, type.id()), setsOverdraft, limit, setsAlerts,
                thresholds), 200, Views::wallet);
    }

    /** A list of amounts (strings or numbers), none negative; null for JSON null. */
    private static List<Long> alertThresholds(JsonNode raw, CreditType type) {
        if (raw.isNull()) {
            return null;
        }
        if (!raw.isArray()) {
            throw JsonBody.wrongType("alert_thresholds", "a list of amounts, or null", raw);
        }
        List<Long> units = new ArrayList<>();
        for (JsonNode item : raw) {
            Amount amount = JsonBody.amount("alert_thresholds[" + units.size() + "]", item,
                    type.scale());
            if (amount.units() < 0) {
                throw new ValidationException("alert_thresholds[" + units.size() + "]",
                        "must not be negative, was " + amount);
            }
            units.add(amount.units());
        }
        return units;
    }

    private static OverdraftLimit overdraftLimit(JsonNode raw, CreditType type) {
        if (raw.isTextual()) {
            return OverdraftLimit.parse(raw.textValue(), type.scale());
        }
        Amount amount = JsonBody.amount("overdraft_limit", raw, type.scale());
        if (amount.units() < 0) {
            throw new InvalidAmountException("overdraft limit must not be negative, was " + amount);
        }
        return OverdraftLimit.of(amount.units());
    }

    // ---- grants

    void createGrant(Context ctx) {
        String customer = customer(ctx);
        String key = idempotencyKey(ctx);
        JsonBody body = body(ctx, false, GRANT_FIELDS);
        CreditType type = creditType(body);
        Amount amount = body.requiredAmount("amount", type);
        GrantSource source = GrantSource.parse(body.requiredString("source"));
        int priority = (int) body.optionalInteger("priority", Command.PRIORITY_MIN,
                Command.PRIORITY_MAX, Command.PRIORITY_DEFAULT);
        Instant effectiveAt = body.optionalTime("effective_at");
        Instant expiresAt = body.optionalTime("expires_at");
        String reason = body.optionalString("reason");
        String metadata = Json.metadata(body.optionalObject("metadata"));
        Money costBasis = costBasis(body);
        execute(ctx, "grant", new Command.Grant(new WalletKey(customer, type.id()),
                amount.units(), source, priority, effectiveAt, expiresAt, reason, metadata, key,
                costBasis), 201, Views::grant);
    }

    /** {@code cost_basis: {"amount": "9.00", "currency": "usd"}}; null when absent. */
    static Money costBasis(JsonBody body) {
        JsonNode raw = body.raw("cost_basis");
        if (raw == null || raw.isNull()) {
            return null;
        }
        if (!raw.isObject()) {
            throw JsonBody.wrongType("cost_basis", "an object {\"amount\", \"currency\"}", raw);
        }
        java.util.Iterator<String> names = raw.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals("amount") && !name.equals("currency")) {
                throw new ValidationException("cost_basis." + name, "is not a field of a cost"
                        + " basis; expected amount and currency");
            }
        }
        JsonNode amount = raw.get("amount");
        JsonNode currency = raw.get("currency");
        if (amount == null || !amount.isTextual()) {
            throw new ValidationException("cost_basis.amount", "is required: a decimal string"
                    + " such as \"9.00\"");
        }
        if (currency == null || !currency.isTextual()) {
            throw new ValidationException("cost_basis.currency", "is required: a lower-case"
                    + " ISO 4217 code such as usd");
        }
        if (!Money.CURRENCY_PATTERN.matcher(currency.textValue()).matches()) {
            throw new ValidationException("cost_basis.currency", "must be a lower-case ISO 4217"
                    + " code such as usd");
        }
        try {
            Money.digits(currency.textValue());
        } catch (dev.credits.InvalidAmountException e) {
            throw new ValidationException("cost_basis.currency", e.getMessage());
        }
        try {
            return Money.parse(amount.textValue(), currency.textValue());
        } catch (dev.credits.InvalidAmountException e) {
            throw new ValidationException("cost_basis.amount", e.getMessage());
        }
    }

    void listGrants(Context ctx) {
        String customer = customer(ctx);
        String status = query(ctx, "status");
        if (status != null && !status.equals("active") && !status.equals("all")) {
            throw new ValidationException("status", "must be active or all");
        }
        List<Object> data = new ArrayList<>();
        for (GrantRecord grant : credits.grants(customer, query(ctx, "credit_type"),
                "all".equals(status))) {
            data.add(Views.grant(grant));
        }
        json(ctx, 200, Views.list(data));
    }

    void getGrant(Context ctx) {
        json(ctx, 200, Views.grant(credits.grant(ctx.pathParam("id"))));
    }

    void voidGrant(Context ctx) {
        String key = idempotencyKey(ctx);
        JsonBody body = body(ctx, true, VOID_FIELDS);
        String reason = body.optionalString("reason");
        execute(ctx, "void", new Command.VoidGrant(ctx.pathParam("id"), reason, key), 200,
                Views::grant);
    }

    // ---- spending

    void spend(Context ctx) {
        String customer = customer(ctx);
        String key = idempotencyKey(ctx);
        JsonBody body = body(ctx, false, SPEND_FIELDS);
        CreditType type = creditType(body);
        Amount amount = body.requiredAmount("amount", type);
        String feature = body.optionalString("feature");
        String reason = body.optionalString("reason");
        String metadata = Json.metadata(body.optionalObject("metadata"));
        execute(ctx, "spend", new Command.Spend(new WalletKey(customer, type.id()),
                amount.units(), feature, reason, metadata, key), 201,
                Views::spend);
    }

    void adjust(Context ctx) {
        String customer = customer(ctx);
        String key = idempotencyKey(ctx);
        JsonBody body = body(ctx, false, ADJUSTMENT_FIELDS);
        CreditType type = creditType(body);
        Amount amount = body.requiredAmount("amount", type);
        String reason = body.requiredString("reason");
        String metadata = Json.metadata(body.optionalObject("metadata"));
        execute(ctx, "adjustment", new Command.Adjust(new WalletKey(customer, type.id()),
                amount.units(), reason, metadata, key), 201,
                Views::transaction);
    }

    // ---- holds

    void createHold(Context ctx) {
        String customer = customer(ctx);
        String key = idempotencyKey(ctx);
        JsonBody body = body(ctx, false, HOLD_FIELDS);
        CreditType type = creditType(body);
        Amount amount = body.requiredAmount("amount", type);
        long lifetimeSeconds = body.optionalInteger("expires_in_seconds",
                Command.HOLD_LIFETIME_SECONDS_MIN, Command.HOLD_LIFETIME_SECONDS_MAX,
                Command.HOLD_LIFETIME_SECONDS_DEFAULT);
        String feature = body.optionalString("feature");
        String metadata = Json.metadata(body.optionalObject("metadata"));
        execute(ctx, "hold", new Command.Hold(new WalletKey(customer, type.id()), amount.units(),
                lifetimeSeconds, feature, metadata, key), 201,
                Views::hold);
    }

    void getHold(Context ctx) {
        json(ctx, 200, Views.hold(credits.hold(ctx.pathParam("id"))));
    }

    void capture(Context ctx) {
        String key = idempotencyKey(ctx);
        JsonBody body = body(ctx, false, CAPTURE_FIELDS);
        HoldRecord hold = credits.hold(ctx.pathParam("id"));
        Amount amount = body.requiredAmount("amount",
                credits.creditTypes().require(hold.creditType()));
        execute(ctx, "capture", new Command.Capture(hold.id(), amount.units(), key), 200,
                Views::hold);
    }

    void release(Context ctx) {
        String key = idempotencyKey(ctx);
        body(ctx, true, Set.of());
        execute(ctx, "release", new Command.Release(ctx.pathParam("id"), key), 200,
                Views::hold);
    }

    // ---- history

    void transactions(Context ctx) {
        String customer = customer(ctx);
        History query = History.query().limit(limit(ctx)).creditType(query(ctx, "credit_type"));
        String type = query(ctx, "type");
        if (type != null) {
            query = query.type(TransactionType.parse(type));
        }
        String group = query(ctx, "group");
        if ("daily".equals(group)) {
            query = query.groupDaily();
        } else if (group != null && !group.equals("none")) {
            throw new ValidationException("group", "must be none or daily");
        }
        query = query.after(query(ctx, "cursor"));
        HistoryPage page = credits.history(customer, query);
        List<Object> data = new ArrayList<>();
        for (Transaction transaction : page.data()) {
            data.add(Views.transaction(transaction));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
        out.put("next_cursor", page.nextCursor());
        json(ctx, 200, out);
    }

    private static int limit(Context ctx) {
        String text = query(ctx, "limit");
        if (text == null) {
            return History.LIMIT_DEFAULT;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ValidationException("limit", "must be an integer 1.." + History.LIMIT_MAX);
        }
    }

    // ---- plumbing

    /**
     * Runs one command and renders its outcome. A replay of an idempotent request answers with
     * the first response's status and body and says so in {@value #IDEMPOTENT_REPLAYED}.
     */
    private <R> void execute(Context ctx, String operation, Command<R> command, int status,
                             Function<R, Map<String, Object>> view) {
        Executed<R> executed;
        try {
            executed = credits.execute(command);
        } catch (CreditsException e) {
            metrics.operation(operation, e.code());
            throw e;
        }
        succeeded(ctx, metrics, operation, executed.replayed());
        json(ctx, status, view.apply(executed.result()));
    }

    /** Counts a successful operation and marks an idempotent replay as such. */
    static void succeeded(Context ctx, ServerMetrics metrics, String operation,
                          boolean replayed) {
        metrics.operation(operation, replayed ? OUTCOME_REPLAYED : OUTCOME_OK);
        if (replayed) {
            ctx.header(IDEMPOTENT_REPLAYED, "true");
        }
    }

    private CreditType creditType(JsonBody body) {
        return credits.creditTypes().require(body.requiredString("credit_type"));
    }

    private static String customer(Context ctx) {
        return CustomerIds.requireValid(ctx.pathParam("customer"));
    }

    /** The {@value #IDEMPOTENCY_KEY} header: absent, or 1–255 printable ASCII characters. */
    static String idempotencyKey(Context ctx) {
        return IdempotencyKeys.requireClient(IDEMPOTENCY_KEY, ctx.header(IDEMPOTENCY_KEY));
    }

    private static JsonBody body(Context ctx, boolean optional, Set<String> allowed) {
        return JsonBody.parse(ctx.bodyAsBytes(), optional, allowed);
    }

    /** A query parameter; an empty value counts as absent. */
    static String query(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null || value.isEmpty() ? null : value;
    }

    static void json(Context ctx, int status, Object body) {
        ctx.status(status);
        ctx.contentType(JSON);
        ctx.result(Views.write(body));
    }
}
