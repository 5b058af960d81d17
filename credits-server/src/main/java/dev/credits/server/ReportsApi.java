package dev.credits.server;

import dev.credits.Credits;
import dev.credits.RevenueReport;
import dev.credits.ValidationException;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code GET /v1/reports/revenue}: the deferred-revenue roll-forward (docs/revenue.md). */
final class ReportsApi {
    private static final Set<String> REVENUE_PARAMETERS = Set.of("from", "to", "currency",
            "customer", "credit_type");

    private final Credits credits;

    ReportsApi(Credits credits) {
        this.credits = credits;
    }

    void revenue(Context ctx) {
        for (String name : ctx.queryParamMap().keySet()) {
            if (!REVENUE_PARAMETERS.contains(name)) {
                throw new ValidationException(name, "is not a parameter of the revenue report;"
                        + " expected from, to, currency, customer, credit_type");
            }
        }
        String currency = required(ctx, "currency");
        Instant from = JsonBody.parseTime("from", required(ctx, "from"));
        Instant to = JsonBody.parseTime("to", required(ctx, "to"));
        RevenueReport r = credits.revenue(from, to, currency, LedgerApi.query(ctx, "customer"),
                LedgerApi.query(ctx, "credit_type"));
        LedgerApi.json(ctx, 200, view(r));
    }

    static Map<String, Object> view(RevenueReport r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("currency", r.currency());
        out.put("from", r.from().toString());
        out.put("to", r.to().toString());
        if (r.customerId() != null) {
            out.put("customer", r.customerId());
        }
        if (r.creditType() != null) {
            out.put("credit_type", r.creditType());
        }
        out.put("opening_deferred", r.openingDeferred().toString());
        out.put("purchased", r.purchased().toString());
        out.put("recognized", r.recognized().toString());
        out.put("breakage", r.breakage().toString());
        out.put("refunded", r.refunded().toString());
        out.put("closing_deferred", r.closingDeferred().toString());
        return out;
    }

    private static String required(Context ctx, String name) {
        String value = LedgerApi.query(ctx, name);
        if (value == null) {
            throw new ValidationException(name, "is required");
        }
        return value;
    }
}
