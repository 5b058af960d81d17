package dev.credits.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before Javalin sees the request (a URI it will not parse, a request that
 * arrives while the server shuts down) as problem+json too, like every other error.
 */
final class JettyErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int status,
                                    String message, Throwable cause, Callback callback) {
        String code = Problems.codeOfStatus(status);
        String detail = status == 503 ? "the server is shutting down or unavailable; retry"
                : message == null || message.isBlank() ? "the request was rejected" : message;
        byte[] body = Views.write(Problems.body(code, detail, Map.of()))
                .getBytes(StandardCharsets.UTF_8);
        response.setStatus(Problems.kind(code).status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        // Jetty closes the connection after a request it would not parse: say so, so that a
        // client does not send its next request on a connection that is going away.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
