package dev.credits.ai;

import dev.credits.Amount;

/**
 * The totals of a customer's priced AI calls in a period, for one group: a model
 * ({@code provider/model}), a feature, a UTC day ({@code 2026-11-25}), or everything (null).
 */
public record UsageTotal(String group, long calls, long inputTokens, long cachedInputTokens,
                         long cacheWriteTokens, long cacheWrite1hTokens, long outputTokens,
                         long reasoningTokens, long costNanoUsd, Amount credits) {

    public String costUsd() {
        return AiCallRecord.usd(costNanoUsd);
    }
}
