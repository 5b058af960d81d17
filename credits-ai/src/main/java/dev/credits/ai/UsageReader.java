package dev.credits.ai;

import java.util.function.Function;

/**
 * Reads the token usage out of a provider's response. Returns null when the response carries
 * no usage (what happens then is {@link MissingUsage}); throws
 * {@link dev.credits.ValidationException} when it carries usage of the wrong shape.
 */
@FunctionalInterface
public interface UsageReader<R> {
    TokenUsage read(R response);

    /** This reader applied to a view of another response type, e.g. an SDK object as JSON. */
    default <T> UsageReader<T> from(Function<? super T, ? extends R> view) {
        return response -> read(view.apply(response));
    }
}
