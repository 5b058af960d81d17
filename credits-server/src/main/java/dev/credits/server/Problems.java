package dev.credits.server;

import dev.credits.CreditsException;
import dev.credits.InsufficientCreditsException;
import dev.credits.NotFoundException;
import dev.credits.ValidationException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.EndpointNotFound;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders every failure as {@code application/problem+json} (RFC 9457) with the machine-readable
 * {@code code} of API.md. The status of each code is decided in one place, {@link #kind}.
 */
final class Problems {
    static final String CONTENT_TYPE = "application/problem+json";
    static final String TYPE_PREFIX = "urn:credits:problem:";
    static final String INTERNAL_ERROR = "internal_error";
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

    record Kind(int status, String title) {
    }

    private Problems() {
    }

    /** The HTTP status and title of an error code; an unknown code is a bug, so a 500. */
    static Kind kind(String code) {
        ProblemCode known = ProblemCode.of(code);
        if (known == null) {
            LOG.error("problem code {} has no HTTP status; answered as a 500", code);
            known = ProblemCode.INTERNAL_ERROR;
        }
        return new Kind(known.status, known.title);
    }

    /**
     * The route a request matched ({@code /portal/s/{token}}), not its path: a path may hold a
     * secret (a portal link's token), and a log must never.
     */
    static String routeOf(Context ctx) {
        io.javalin.router.Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint == null ? "(no route)" : endpoint.path;
    }

    /** The exception handler of the server: every exception ends here. */
    static void handle(Exception e, Context ctx) {
        CreditsException problem = asProblem(e, ctx);
        if (problem == null) {
            LOG.error("unexpected error on {} {}", ctx.method(), routeOf(ctx), e);
            write(ctx, INTERNAL_ERROR, "an unexpected error occurred; it has been logged",
                    Map.of());
            return;
        }
        write(ctx, problem.code(), problem.getMessage(), extras(problem));
    }

    private static CreditsException asProblem(Exception e, Context ctx) {
        if (e instanceof CreditsException credits) {
            return credits;
        }
        if (e instanceof ArithmeticException && e.getMessage() != null
                && e.getMessage().contains("overflow")) {
            // Math.*Exact on a sum of stored amounts: more than one amount can hold
            return new ValidationException("amount", "a sum is more than one amount can hold");
        }
        if (e instanceof EndpointNotFound) {
            return new NotFoundException("no route " + ctx.method() + " " + ctx.path());
        }
        if (e instanceof HttpResponseException http) {
            return switch (http.getStatus()) {
                case 400 -> RequestRejectedException.malformed(http.getMessage());
                case 404 -> new NotFoundException("no route " + ctx.method() + " " + ctx.path());
                case 413 -> RequestRejectedException.tooLarge();
                default -> null;
            };
        }
        return null;
    }

    /** The extra members some problems carry: the numbers of a 402, the fields of a 422. */
    private static Map<String, Object> extras(CreditsException problem) {
        Map<String, Object> extras = new LinkedHashMap<>();
        if (problem instanceof InsufficientCreditsException insufficient) {
            extras.put("balance", insufficient.getBalance().toString());
            extras.put("available", insufficient.getAvailable().toString());
            extras.put("required", insufficient.getRequired().toString());
        } else if (problem instanceof ValidationException validation) {
            extras.put("errors", List.of(Map.of("field", validation.field(),
                    "message", validation.reason())));
        }
        return extras;
    }

    static void write(Context ctx, String code, String detail, Map<String, Object> extras) {
        if (dev.credits.server.portal.Pages.isPage(ctx)) {
            dev.credits.server.portal.Pages.error(ctx, kind(code).status());
            return;
        }
        ctx.status(kind(code).status());
        ctx.contentType(CONTENT_TYPE);
        ctx.result(Views.write(body(code, detail, extras)));
    }

    static Map<String, Object> body(String code, String detail, Map<String, Object> extras) {
        Kind kind = kind(code);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_PREFIX + code);
        body.put("title", kind.title());
        body.put("status", kind.status());
        body.put("detail", detail);
        body.put("code", code);
        body.putAll(extras);
        return body;
    }

    /** The code of an error Jetty answers by itself, before a handler runs. */
    static String codeOfStatus(int status) {
        return switch (status) {
            case 404 -> "not_found";
            case 413 -> RequestRejectedException.REQUEST_TOO_LARGE;
            case 503 -> "unavailable";
            default -> status < 500 ? RequestRejectedException.MALFORMED_REQUEST : INTERNAL_ERROR;
        };
    }
}
