package dev.credits.server;

import dev.credits.ValidationException;
import dev.credits.webhooks.CreatedEndpoint;
import dev.credits.webhooks.Delivery;
import dev.credits.webhooks.Endpoint;
import dev.credits.webhooks.Event;
import dev.credits.webhooks.Page;
import dev.credits.webhooks.Webhooks;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The handlers of webhook endpoints, their delivery logs and the event feed (docs/webhooks.md).
 * Each parses and validates the request, calls {@link Webhooks}, and renders the result.
 */
final class WebhooksApi {
    static final int LIMIT_DEFAULT = Webhooks.LIST_LIMIT_DEFAULT;
    private static final Set<String> CREATE_FIELDS = Set.of("url", "events", "description");
    private static final Set<String> UPDATE_FIELDS = Set.of("url", "events", "status",
            "description");

    private final Webhooks webhooks;
    private final ServerMetrics metrics;

    WebhooksApi(Webhooks webhooks, ServerMetrics metrics) {
        this.webhooks = webhooks;
        this.metrics = metrics;
    }

    void create(Context ctx) {
        String key = LedgerApi.idempotencyKey(ctx);
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, CREATE_FIELDS);
        String url = body.requiredString("url");
        List<String> events = body.optionalStringList("events");
        if (events == null) {
            throw new ValidationException("events", "is required: a list of event types, or"
                    + " [\"*\"] for all");
        }
        CreatedEndpoint made = webhooks.createEndpoint(url, events,
                body.optionalString("description"), key);
        LedgerApi.succeeded(ctx, metrics, "webhook_endpoint", made.replayed());
        Map<String, Object> view = endpoint(made.endpoint());
        view.put("secret", made.secret());
        LedgerApi.json(ctx, 201, view);
    }

    void list(Context ctx) {
        List<Object> data = new ArrayList<>();
        for (Endpoint endpoint : webhooks.endpoints()) {
            data.add(endpoint(endpoint));
        }
        LedgerApi.json(ctx, 200, Views.list(data));
    }

    void get(Context ctx) {
        LedgerApi.json(ctx, 200, endpoint(webhooks.endpoint(ctx.pathParam("id"))));
    }

    void update(Context ctx) {
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, UPDATE_FIELDS);
        if (body.has("url") && body.raw("url").isNull()) {
            throw new ValidationException("url", "must not be null");
        }
        if (body.has("events") && body.raw("events").isNull()) {
            throw new ValidationException("events", "must not be null");
        }
        Endpoint updated = webhooks.updateEndpoint(ctx.pathParam("id"),
                body.optionalString("url"), body.optionalStringList("events"),
                body.optionalString("status"), body.optionalString("description"),
                body.has("description"));
        LedgerApi.json(ctx, 200, endpoint(updated));
    }

    void delete(Context ctx) {
        String id = ctx.pathParam("id");
        webhooks.deleteEndpoint(id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("deleted", true);
        LedgerApi.json(ctx, 200, out);
    }

    void rotateSecret(Context ctx) {
        JsonBody.parse(ctx.bodyAsBytes(), true, Set.of());
        LedgerApi.json(ctx, 200, Map.of("secret", webhooks.rotateSecret(ctx.pathParam("id"))));
    }

    void deliveries(Context ctx) {
        Page<Delivery> page = webhooks.deliveries(ctx.pathParam("id"), limit(ctx),
                LedgerApi.query(ctx, "cursor"));
        List<Object> data = new ArrayList<>();
        for (Delivery delivery : page.data()) {
            data.add(delivery(delivery));
        }
        LedgerApi.json(ctx, 200, page(data, page.nextCursor()));
    }

    void retry(Context ctx) {
        JsonBody.parse(ctx.bodyAsBytes(), true, Set.of());
        LedgerApi.json(ctx, 201, delivery(webhooks.retry(ctx.pathParam("id"))));
    }

    void events(Context ctx) {
        Page<Event> page = webhooks.events(LedgerApi.query(ctx, "customer_id"),
                LedgerApi.query(ctx, "type"), limit(ctx), LedgerApi.query(ctx, "cursor"));
        List<Object> data = new ArrayList<>();
        for (Event event : page.data()) {
            data.add(event.body());
        }
        LedgerApi.json(ctx, 200, page(data, page.nextCursor()));
    }

    void event(Context ctx) {
        LedgerApi.json(ctx, 200, webhooks.event(ctx.pathParam("id")).body());
    }

    private static int limit(Context ctx) {
        String text = LedgerApi.query(ctx, "limit");
        if (text == null) {
            return LIMIT_DEFAULT;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ValidationException("limit", "must be an integer 1.."
                    + Webhooks.LIST_LIMIT_MAX);
        }
    }

    private static Map<String, Object> page(List<Object> data, String nextCursor) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data);
        out.put("next_cursor", nextCursor);
        return out;
    }

    static Map<String, Object> endpoint(Endpoint e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("url", e.url());
        out.put("events", e.events());
        out.put("description", e.description());
        out.put("status", e.status());
        out.put("created_at", e.createdAt().toString());
        out.put("updated_at", e.updatedAt().toString());
        return out;
    }

    static Map<String, Object> delivery(Delivery d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", d.id());
        out.put("endpoint_id", d.endpointId());
        out.put("event_id", d.eventId());
        out.put("event_type", d.eventType());
        out.put("attempt", d.attempt());
        out.put("status", d.status());
        out.put("response_status", d.responseStatus());
        out.put("error", d.error());
        out.put("created_at", d.createdAt().toString());
        out.put("next_attempt_at", d.nextAttemptAt() == null ? null
                : d.nextAttemptAt().toString());
        return out;
    }
}
