package dev.credits.server;

import dev.credits.server.portal.PortalSessions;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code POST /v1/portal-sessions}: a signed link to one customer's portal (docs/portal.md). */
final class PortalApi {
    private static final Set<String> FIELDS = Set.of("customer_id", "return_url", "locale");

    private final PortalSessions sessions;
    private final String publicUrl;

    /** {@code publicUrl}: where browsers reach the server; null: the request's own host. */
    PortalApi(PortalSessions sessions, String publicUrl) {
        this.sessions = sessions;
        this.publicUrl = publicUrl;
    }

    void create(Context ctx) {
        JsonBody body = JsonBody.parse(ctx.bodyAsBytes(), false, FIELDS);
        String customer = body.requiredString("customer_id");
        String returnUrl = body.optionalString("return_url");
        String locale = body.optionalString("locale");
        PortalSessions.Created created = sessions.createPortal(customer, locale, returnUrl);
        String base = publicUrl != null ? publicUrl : ctx.scheme() + "://" + ctx.host();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", created.session().id());
        out.put("object", "portal_session");
        out.put("customer_id", customer);
        out.put("url", PortalSessions.linkUrl(base, created.linkToken()));
        out.put("locale", locale);
        out.put("return_url", returnUrl);
        out.put("expires_at", Views.time(created.session().expiresAt()));
        out.put("created_at", Views.time(created.session().createdAt()));
        LedgerApi.json(ctx, 201, out);
    }
}
