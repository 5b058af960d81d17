package dev.credits.ai;

import dev.credits.CustomerIds;
import dev.credits.ValidationException;
import dev.credits.internal.Command;
import java.time.Duration;

/**
 * One AI call to meter, built fluently and immutable: each setter returns a copy.
 * <pre>{@code
 * ChatCompletion r = ai.forCustomer("user_42").feature("chat")
 *     .model("openai", "gpt-4o-mini")
 *     .maxTokens(1_200, 800)            // input, output: the most this call can cost
 *     .idempotencyKey(requestId)
 *     .call(() -> client.chat(...), AiUsage.openAi().from(mapper::valueToTree));
 * }</pre>
 */
public final class AiCallRequest {
    /** How long a reservation holds its credits unless told otherwise (15 minutes). */
    public static final Duration LIFETIME_DEFAULT =
            Duration.ofSeconds(Command.HOLD_LIFETIME_SECONDS_DEFAULT);

    /** Token limits not given yet. */
    static final long UNSET_TOKENS = Long.MIN_VALUE;

    private final AiMetering metering;
    private final String customerId;
    private final String feature;
    private final String provider;
    private final String model;
    private final long maxInputTokens;
    private final long maxOutputTokens;
    private final Duration lifetime;
    private final String idempotencyKey;

    AiCallRequest(AiMetering metering, String customerId, String feature, String provider,
                  String model, long maxInputTokens, long maxOutputTokens, Duration lifetime,
                  String idempotencyKey) {
        this.metering = metering;
        this.customerId = customerId;
        this.feature = feature;
        this.provider = provider;
        this.model = model;
        this.maxInputTokens = maxInputTokens;
        this.maxOutputTokens = maxOutputTokens;
        this.lifetime = lifetime;
        this.idempotencyKey = idempotencyKey;
    }

    public AiCallRequest feature(String value) {
        return new AiCallRequest(metering, customerId, value, provider, model, maxInputTokens,
                maxOutputTokens, lifetime, idempotencyKey);
    }

    /** The provider ({@code openai}, {@code anthropic}, …) and model, as in the catalog. */
    public AiCallRequest model(String providerName, String modelName) {
        return new AiCallRequest(metering, customerId, feature, providerName, modelName,
                maxInputTokens, maxOutputTokens, lifetime, idempotencyKey);
    }

    /** The most input and output tokens the call may use; the reservation is their cost. */
    public AiCallRequest maxTokens(long input, long output) {
        return new AiCallRequest(metering, customerId, feature, provider, model, input, output,
                lifetime, idempotencyKey);
    }

    /** How long the reservation holds (1 s to 24 h; default 15 minutes). */
    public AiCallRequest expiresIn(Duration value) {
        return new AiCallRequest(metering, customerId, feature, provider, model, maxInputTokens,
                maxOutputTokens, value, idempotencyKey);
    }

    /** Makes a retry safe: the same key is the same call, charged once. */
    public AiCallRequest idempotencyKey(String value) {
        return new AiCallRequest(metering, customerId, feature, provider, model, maxInputTokens,
                maxOutputTokens, lifetime, value);
    }

    /**
     * Holds the call's maximum cost, runs {@code callback}, reads the usage from its response
     * and charges exactly that, releasing the rest. Throws
     * {@link dev.credits.InsufficientCreditsException} or {@link SpendLimitExceededException}
     * without invoking the callback when the customer cannot cover the maximum;
     * {@link UnknownModelException} for a model that is not priced. If the callback throws, the
     * hold is released, the call recorded as failed and the exception rethrown (a checked one
     * wrapped in {@link AiCallbackException}). A key of a completed call throws
     * {@link AiCallCompletedException} without invoking the callback.
     */
    public <R> R call(AiCallback<R> callback, UsageReader<? super R> usage) {
        return metering.call(this, callback, usage);
    }

    /** Only reserves (holds the maximum cost); complete or cancel it through the metering. */
    public AiCallRecord reserve() {
        return metering.reserve(this);
    }

    /** Throws {@link ValidationException} naming the first bad field. */
    void validate() {
        CustomerIds.requireValid(customerId);
        if (provider == null || provider.isBlank()) {
            throw new ValidationException("provider", "is required");
        }
        if (model == null || model.isBlank()) {
            throw new ValidationException("model", "is required");
        }
        tokens("max_input_tokens", maxInputTokens);
        tokens("max_output_tokens", maxOutputTokens);
        if (maxInputTokens + maxOutputTokens == 0) {
            throw new ValidationException("max_output_tokens", "a call must allow some tokens");
        }
        long seconds = lifetime == null ? -1 : lifetime.toSeconds();
        if (seconds < Command.HOLD_LIFETIME_SECONDS_MIN
                || seconds > Command.HOLD_LIFETIME_SECONDS_MAX) {
            throw new ValidationException("expires_in_seconds", "must be "
                    + Command.HOLD_LIFETIME_SECONDS_MIN + ".." + Command.HOLD_LIFETIME_SECONDS_MAX);
        }
        if (feature != null && feature.length() > Command.FEATURE_LENGTH_MAX) {
            throw new ValidationException("feature", "must be at most "
                    + Command.FEATURE_LENGTH_MAX + " characters");
        }
        AiMetering.requireKey(idempotencyKey);
    }

    private static void tokens(String field, long value) {
        if (value < 0 || value > TokenUsage.TOKENS_MAX) {
            throw new ValidationException(field, value == UNSET_TOKENS ? "is required"
                    : "must be 0.." + TokenUsage.TOKENS_MAX + ", was " + value);
        }
    }

    public String customerId() {
        return customerId;
    }

    public String feature() {
        return feature;
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    public long maxInputTokens() {
        return maxInputTokens;
    }

    public long maxOutputTokens() {
        return maxOutputTokens;
    }

    public Duration lifetime() {
        return lifetime;
    }

    public String idempotencyKey() {
        return idempotencyKey;
    }
}
