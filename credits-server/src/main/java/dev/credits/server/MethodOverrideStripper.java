package dev.credits.server;

import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Removes the method-override headers before Javalin sees a request: Javalin would route a POST
 * carrying {@code X-HTTP-Method-Override: PATCH} as a PATCH, so a proxy or firewall that allows
 * one method would let another through. The method is the request line's, always.
 */
final class MethodOverrideStripper extends Handler.Wrapper {
    static final List<String> HEADERS = List.of("X-HTTP-Method-Override", "X-HTTP-Method",
            "X-Method-Override");

    @Override
    public boolean handle(Request request, Response response, Callback callback)
            throws Exception {
        HttpFields headers = request.getHeaders();
        boolean present = false;
        for (String name : HEADERS) {
            present |= headers.contains(name);
        }
        if (!present) {
            return super.handle(request, response, callback);
        }
        HttpFields.Mutable stripped = HttpFields.build(headers);
        for (String name : HEADERS) {
            stripped.remove(name);
        }
        HttpFields kept = stripped.asImmutable();
        return super.handle(new Request.Wrapper(request) {
            @Override
            public HttpFields getHeaders() {
                return kept;
            }
        }, response, callback);
    }
}
