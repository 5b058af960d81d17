package dev.credits.server.portal;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import dev.credits.server.portal.PortalPages.Chrome;
import io.javalin.http.Context;
import java.util.Map;

/**
 * Renders the jte templates (compiled at build time) and sends them with the headers every page
 * needs: no caching (they show one customer's money), no framing, no referrer (a link's token is
 * in its URL), and a content security policy that allows the server's own scripts and styles only.
 */
public final class Pages {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none';"
            + " frame-ancestors 'none'";
    /**
     * The key every writing form carries (made when the page is rendered): it becomes the
     * idempotency key of what the form writes, so a double submit writes once.
     */
    static final java.util.regex.Pattern FORM_KEY =
            java.util.regex.Pattern.compile("frm_[A-Za-z0-9]{8,64}");
    private static final TemplateEngine ENGINE = TemplateEngine.createPrecompiled(ContentType.Html);

    private Pages() {
    }

    static String newFormKey() {
        return dev.credits.internal.Ids.withPrefix("frm_");
    }

    static boolean isFormKey(String text) {
        return text != null && FORM_KEY.matcher(text).matches();
    }

    /** True for the paths of the portal and the console: their failures are pages, not JSON. */
    public static boolean isPage(Context ctx) {
        String path = ctx.path();
        return path.equals(Portal.PATH) || path.startsWith(Portal.PATH + "/")
                || path.equals(Console.PATH) || path.startsWith(Console.PATH + "/");
    }

    /** The one body a page's form may send: what a browser sends for a form without files. */
    static final String FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

    /**
     * Refuses (415, an HTML page) a POST to a page whose body is not a plain form: the forms
     * of the portal and the console carry no files, and a multipart body would otherwise be
     * parsed for their fields.
     */
    public static void requireForm(Context ctx) {
        if (!ctx.method().name().equals("POST")) {
            return;
        }
        String type = ctx.header("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim();
        if (!media.equalsIgnoreCase(FORM_CONTENT_TYPE)) {
            error(ctx, 415);
            ctx.skipRemainingHandlers();
        }
    }

    /**
     * The page of a failure with {@code status}, in the browser's language: no data, a sentence
     * of what to do (the server's own error handler calls it for these paths).
     */
    public static void error(Context ctx, int status) {
        String kind = switch (status) {
            case 401 -> "expired";
            case 403 -> "form";
            case 404 -> "missing";
            case 503 -> "unavailable";
            default -> status < 500 ? "input" : "error";
        };
        Text t = Text.of(Text.choose(null, ctx.header("Accept-Language")));
        String heading = t.t("denied." + kind + ".heading");
        Chrome chrome = new Chrome(t, heading, java.util.List.of(), "", null, null, null, null);
        render(ctx, status, "denied.jte", new PortalPages.Denied(chrome, status, heading,
                t.t("denied." + kind + ".message")));
    }

    static void render(Context ctx, int status, String template, Object page) {
        StringOutput out = new StringOutput();
        ENGINE.render(template, Map.of("page", page), out);
        ctx.status(status);
        securityHeaders(ctx);
        ctx.html(out.toString());
    }

    static void securityHeaders(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    /** An HttpOnly, SameSite=Strict cookie for {@code path}; Secure when the request was https. */
    static void setCookie(Context ctx, String name, String value, String path, long maxAgeSeconds) {
        boolean secure = "https".equalsIgnoreCase(ctx.scheme())
                || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
        ctx.res().addHeader("Set-Cookie", name + "=" + value + "; Path=" + path + "; Max-Age="
                + maxAgeSeconds + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
    }

    static void clearCookie(Context ctx, String name, String path) {
        setCookie(ctx, name, "", path, 0);
    }

    /** A redirect after a form (303: the browser follows it with GET). */
    static void seeOther(Context ctx, String location) {
        securityHeaders(ctx);
        ctx.status(303);
        ctx.header("Location", location);
    }
}
