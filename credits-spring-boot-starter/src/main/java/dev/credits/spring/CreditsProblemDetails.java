package dev.credits.spring;

import dev.credits.CreditsException;
import dev.credits.InsufficientCreditsException;
import dev.credits.ValidationException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers the ledger's typed exceptions as RFC 9457 problem details, with the codes and statuses
 * of the server's API (API.md): {@code type} {@code urn:credits:problem:<code>}, the {@code code},
 * a 402 with {@code balance}, {@code available} and {@code required} for insufficient credits, a
 * 422 with {@code errors} for a bad field. Auto-configured in a web application; or
 * {@code @Import(CreditsProblemDetails.class)}.
 */
@RestControllerAdvice
public class CreditsProblemDetails {
    static final String TYPE_PREFIX = "urn:credits:problem:";

    /** The status of each code the library's exceptions carry; see API.md's table. */
    static HttpStatus status(String code) {
        return switch (code) {
            case "insufficient_credits", "spend_limit_exceeded" -> HttpStatus.PAYMENT_REQUIRED;
            case "not_found" -> HttpStatus.NOT_FOUND;
            case "idempotency_conflict", "invalid_state" -> HttpStatus.CONFLICT;
            case "validation_failed", "invalid_amount", "unknown_credit_type", "unknown_model",
                 "usage_missing" -> HttpStatus.UNPROCESSABLE_ENTITY;
            case "invalid_signature" -> HttpStatus.BAD_REQUEST;
            case "payment_provider_error" -> HttpStatus.BAD_GATEWAY;
            case "unavailable" -> HttpStatus.SERVICE_UNAVAILABLE;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /** The code in words, as the server's titles: "Insufficient credits". */
    static String title(String code) {
        String words = code.replace('_', ' ');
        return words.isEmpty() ? words
                : Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    @ExceptionHandler(CreditsException.class)
    public ProblemDetail handle(CreditsException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status(e.code()), e.getMessage());
        problem.setType(URI.create(TYPE_PREFIX + e.code()));
        problem.setTitle(title(e.code()));
        problem.setProperty("code", e.code());
        if (e instanceof InsufficientCreditsException insufficient) {
            problem.setProperty("balance", insufficient.getBalance().toString());
            problem.setProperty("available", insufficient.getAvailable().toString());
            problem.setProperty("required", insufficient.getRequired().toString());
        } else if (e instanceof ValidationException validation) {
            problem.setProperty("errors", List.of(Map.of("field", validation.field(),
                    "message", validation.reason())));
        }
        return problem;
    }
}
