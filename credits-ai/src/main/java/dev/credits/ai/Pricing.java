package dev.credits.ai;

import dev.credits.ValidationException;

/**
 * Exact costs in nano-USD; every step is checked {@code long} arithmetic (at most 5 kinds ×
 * 10^9 tokens × 10^7 nano-USD per token, which fits), then bounded per call.
 */
final class Pricing {
    private Pricing() {
    }

    /** What {@code usage} costs at {@code price}, in nano-USD. */
    static long costNanoUsd(ModelPrice price, TokenUsage usage) {
        long cost = Math.multiplyExact(usage.inputTokens(), price.inputNanoUsd());
        cost = Math.addExact(cost, Math.multiplyExact(usage.cachedInputTokens(),
                price.cachedInputNanoUsd()));
        cost = Math.addExact(cost, Math.multiplyExact(usage.cacheWriteTokens(),
                price.cacheWriteNanoUsd()));
        cost = Math.addExact(cost, Math.multiplyExact(usage.cacheWrite1hTokens(),
                price.cacheWrite1hNanoUsd()));
        cost = Math.addExact(cost, Math.multiplyExact(usage.outputTokens(),
                price.outputNanoUsd()));
        if (cost > CreditConversion.CALL_NANO_USD_MAX) {
            throw new ValidationException("usage", "costs " + AiCallRecord.usd(cost)
                    + " USD, more than the " + AiCallRecord.usd(CreditConversion.CALL_NANO_USD_MAX)
                    + " USD one call may be charged");
        }
        return cost;
    }

    /** The usage that costs the most within the limits: all input at the dearest input kind. */
    static TokenUsage maxUsage(ModelPrice price, long maxInputTokens, long maxOutputTokens) {
        long dearest = price.maxInputNanoUsd();
        if (dearest == price.inputNanoUsd()) {
            return new TokenUsage(maxInputTokens, 0, 0, 0, maxOutputTokens, 0);
        } else if (dearest == price.cacheWrite1hNanoUsd()) {
            return new TokenUsage(0, 0, 0, maxInputTokens, maxOutputTokens, 0);
        } else if (dearest == price.cacheWriteNanoUsd()) {
            return new TokenUsage(0, 0, maxInputTokens, 0, maxOutputTokens, 0);
        }
        return new TokenUsage(0, maxInputTokens, 0, 0, maxOutputTokens, 0);
    }
}
