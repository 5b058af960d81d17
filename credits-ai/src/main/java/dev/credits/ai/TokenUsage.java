package dev.credits.ai;

import dev.credits.ValidationException;

/**
 * The tokens of one call, by the kind each is priced at. The kinds do not overlap:
 * {@code inputTokens} is the uncached input only (OpenAI's {@code prompt_tokens} minus cached and
 * cache-write tokens; Anthropic's {@code input_tokens} as is). {@code reasoningTokens} are
 * already part of {@code outputTokens} and are kept for reporting, never priced again.
 */
public record TokenUsage(long inputTokens, long cachedInputTokens, long cacheWriteTokens,
                         long cacheWrite1hTokens, long outputTokens, long reasoningTokens) {

    /** The most tokens of one kind a call may report (10^9). */
    public static final long TOKENS_MAX = 1_000_000_000L;

    /** Throws {@link ValidationException} (field {@code usage.<kind>}) for a count out of range. */
    public TokenUsage {
        check("input_tokens", inputTokens);
        check("cached_input_tokens", cachedInputTokens);
        check("cache_write_tokens", cacheWriteTokens);
        check("cache_write_1h_tokens", cacheWrite1hTokens);
        check("output_tokens", outputTokens);
        check("reasoning_tokens", reasoningTokens);
        if (reasoningTokens > outputTokens) {
            throw new ValidationException("usage.reasoning_tokens",
                    "must not exceed output_tokens, which include them");
        }
    }

    /** Uncached input and output only. */
    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, 0, 0, 0, outputTokens, 0);
    }

    /** Every input token: uncached, cache reads and cache writes. */
    public long totalInputTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens + cacheWrite1hTokens;
    }

    static void check(String field, long tokens) {
        if (tokens < 0 || tokens > TOKENS_MAX) {
            throw new ValidationException("usage." + field, "must be 0.." + TOKENS_MAX
                    + ", was " + tokens);
        }
    }
}
