package dev.credits.ai;

import dev.credits.Amount;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * The record every metered AI call leaves. Amounts are in the AI credit type; {@code usage},
 * {@code costNanoUsd} and {@code credits} are null until the call is priced.
 *
 * @param reserved     the credits held for the call's maximum cost (null for usage recorded
 *                     after the fact)
 * @param costNanoUsd  the exact provider cost at list price, in nano-USD (10^-9 USD)
 * @param credits      what was charged for it (the wallet's carried remainder included)
 * @param replayed     true when this is the answer to a repeated request, which changed nothing
 */
public record AiCallRecord(String id, String customerId, String creditType, String provider,
                           String model, String feature, AiCallStatus status, String holdId,
                           Amount reserved, long maxInputTokens, long maxOutputTokens,
                           Instant expiresAt, TokenUsage usage, Long costNanoUsd, Amount credits,
                           String transactionId, Amount balanceAfter, Long latencyMs,
                           String error, String idempotencyKey, Instant createdAt,
                           Instant completedAt, boolean replayed) {

    /** Scale of USD amounts rendered from nano-USD. */
    public static final int USD_SCALE = 9;

    /** The provider cost in USD as an exact decimal string, e.g. {@code "0.000307350"}. */
    public String costUsd() {
        return costNanoUsd == null ? null : usd(costNanoUsd);
    }

    public static String usd(long nanoUsd) {
        return BigDecimal.valueOf(nanoUsd, USD_SCALE).toPlainString();
    }

    AiCallRecord withHold(String newHoldId, Instant newExpiresAt) {
        return new AiCallRecord(id, customerId, creditType, provider, model, feature, status,
                newHoldId, reserved, maxInputTokens, maxOutputTokens, newExpiresAt, usage,
                costNanoUsd, credits, transactionId, balanceAfter, latencyMs, error,
                idempotencyKey, createdAt, completedAt, replayed);
    }

    AiCallRecord asReplay() {
        return new AiCallRecord(id, customerId, creditType, provider, model, feature, status,
                holdId, reserved, maxInputTokens, maxOutputTokens, expiresAt, usage, costNanoUsd,
                credits, transactionId, balanceAfter, latencyMs, error, idempotencyKey,
                createdAt, completedAt, true);
    }
}
