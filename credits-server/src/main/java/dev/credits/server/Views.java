package dev.credits.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.GrantRecord;
import dev.credits.HoldRecord;
import dev.credits.SpendResult;
import dev.credits.Transaction;
import dev.credits.WalletBalance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire form of the API's objects, as ordered maps: snake_case names, amounts as decimal
 * strings in the credit type's scale, times as ISO-8601 UTC.
 */
final class Views {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Views() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + value.getClass(), e);
        }
    }

    static Map<String, Object> list(List<?> data) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
        return out;
    }

    static Map<String, Object> creditType(CreditType type) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", type.id());
        out.put("name", type.name());
        out.put("icon", type.icon());
        out.put("scale", type.scale());
        out.put("overdraft_limit", type.overdraftLimit().render(type.scale()));
        out.put("low_balance_threshold", type.lowBalanceUnits() == null ? null
                : Amount.render(type.lowBalanceUnits(), type.scale()));
        List<String> thresholds = new ArrayList<>();
        type.defaultAlertThresholds().forEach(u -> thresholds.add(Amount.render(u,
                type.scale())));
        out.put("alert_thresholds", thresholds);
        return out;
    }

    static Map<String, Object> wallet(WalletBalance w) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("customer_id", w.customerId());
        out.put("credit_type", w.creditType());
        out.put("balance", text(w.balance()));
        out.put("held", text(w.held()));
        out.put("available", text(w.available()));
        if (w.paidRemaining() != null) {
            out.put("paid_remaining", text(w.paidRemaining()));
            out.put("free_remaining", text(w.freeRemaining()));
        }
        out.put("overdraft_limit", w.overdraftLimit().render(w.balance().scale()));
        List<String> thresholds = new ArrayList<>();
        w.alertThresholds().forEach(a -> thresholds.add(text(a)));
        out.put("alert_thresholds", thresholds);
        out.put("as_of", time(w.asOf()));
        return out;
    }

    static Map<String, Object> grant(GrantRecord g) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", g.id());
        out.put("transaction_id", g.transactionId());
        out.put("customer_id", g.customerId());
        out.put("credit_type", g.creditType());
        out.put("amount", text(g.amount()));
        out.put("remaining", text(g.remaining()));
        out.put("source", g.source().wireName());
        out.put("priority", g.priority());
        out.put("effective_at", time(g.effectiveAt()));
        out.put("expires_at", time(g.expiresAt()));
        out.put("status", g.status().wireName());
        out.put("reason", g.reason());
        out.put("metadata", g.metadata() == null ? Map.of() : g.metadata());
        out.put("balance", text(g.balance()));
        out.put("cost_basis", money(g.costBasis()));
        out.put("created_at", g.createdAt() == null ? null : time(g.createdAt()));
        return out;
    }

    /** {@code {"amount": "9.00", "currency": "usd"}}, or null. */
    static Map<String, Object> money(dev.credits.Money m) {
        if (m == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("amount", m.toString());
        out.put("currency", m.currency());
        return out;
    }

    static Map<String, Object> spend(SpendResult s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("transaction_id", s.transactionId());
        out.put("customer_id", s.customerId());
        out.put("credit_type", s.creditType());
        out.put("amount", text(s.amount()));
        out.put("balance", text(s.balance()));
        out.put("available", text(s.available()));
        out.put("allocations", allocations(s.allocations()));
        return out;
    }

    static Map<String, Object> hold(HoldRecord h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", h.id());
        out.put("customer_id", h.customerId());
        out.put("credit_type", h.creditType());
        out.put("amount", text(h.amount()));
        out.put("captured", text(h.captured()));
        out.put("status", h.status().wireName());
        out.put("expires_at", time(h.expiresAt()));
        putIfPresent(out, "transaction_id", h.transactionId());
        putIfPresent(out, "feature", h.feature());
        out.put("metadata", h.metadata() == null ? Map.of() : h.metadata());
        out.put("created_at", time(h.createdAt()));
        return out;
    }

    /** A history entry; a daily-grouped usage row has no id, and carries count and date. */
    static Map<String, Object> transaction(Transaction t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", t.id());
        out.put("customer_id", t.customerId());
        out.put("credit_type", t.creditType());
        out.put("type", t.type().wireName());
        putIfPresent(out, "source", t.source() == null ? null : t.source().wireName());
        putIfPresent(out, "grant_id", t.grantId());
        putIfPresent(out, "hold_id", t.holdId());
        out.put("amount", text(t.amount()));
        out.put("balance_after", text(t.balanceAfter()));
        putIfPresent(out, "feature", t.feature());
        putIfPresent(out, "reason", t.reason());
        out.put("metadata", t.metadata() == null ? Map.of() : t.metadata());
        out.put("created_at", time(t.createdAt()));
        out.put("effective_at", time(t.effectiveAt()));
        if (t.allocations() != null && !t.allocations().isEmpty()) {
            out.put("allocations", allocations(t.allocations()));
        }
        if (t.count() != null) {
            out.put("count", t.count());
            out.put("date", t.date() == null ? null : t.date().toString());
        }
        return out;
    }

    private static List<Map<String, Object>> allocations(List<Allocation> allocations) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Allocation a : allocations) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("grant_id", a.grantId());
            item.put("amount", text(a.amount()));
            out.add(item);
        }
        return out;
    }

    private static void putIfPresent(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    static String text(Amount amount) {
        return amount == null ? null : amount.toString();
    }

    static String time(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
