package dev.credits.server;

import dev.credits.NotFoundException;
import dev.credits.payments.Payments;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The handlers of Stripe payments (docs/payments.md): Checkout sessions and the webhook. */
final class PaymentsApi {
    private static final Set<String> CHECKOUT_FIELDS = Set.of("product", "plan", "quantity",
            "success_url", "cancel_url");

    /** Null when the configuration has no {@code stripe:} section. */
    private final Payments payments;

    PaymentsApi(Payments payments) {
        this.payments = payments;
    }

    void checkout(Context ctx) {
        Payments configured = require();
        String customer = ctx.pathParam("customer");
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, CHECKOUT_FIELDS);
        Integer quantity = body.has("quantity") && !body.raw("quantity").isNull()
                ? (int) body.optionalInteger("quantity", 1, 1_000, 1) : null;
        Payments.CheckoutSession session = configured.checkout(customer,
                body.optionalString("product"), body.optionalString("plan"), quantity,
                body.requiredString("success_url"), body.requiredString("cancel_url"),
                LedgerApi.idempotencyKey(ctx));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", session.id());
        out.put("url", session.url());
        LedgerApi.json(ctx, 201, out);
    }

    /** Stripe's delivery: no API key; the signature over the raw body is the credential. */
    void webhook(Context ctx) {
        Payments configured = require();
        Payments.Received received = configured.receive(ctx.bodyAsBytes(),
                ctx.header("Stripe-Signature"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("received", true);
        out.put("id", received.eventId());
        out.put("type", received.type());
        out.put("duplicate", received.duplicate());
        LedgerApi.json(ctx, 200, out);
    }

    private Payments require() {
        if (payments == null) {
            throw new NotFoundException("payments are not configured: add a stripe section"
                    + " to the configuration file (docs/payments.md)");
        }
        return payments;
    }
}
