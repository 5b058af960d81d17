package dev.credits.ai;

import java.util.Objects;

/**
 * How AI calls are charged (the {@code ai:} section of the configuration file):
 * <pre>
 * ai:
 *   credit_type: credits
 *   credits_per_usd: "100"      # 1 credit = 1 cent
 *   markup_percent: "20"        # optional, default 0
 *   missing_usage: error        # or charge_reserved
 *   spend_limits: {daily: "50.00", monthly: "500.00"}   # optional, per customer, in credits
 *   models:
 *     - {provider: openai, model: gpt-4o-mini, input_per_million_usd: "0.15",
 *        output_per_million_usd: "0.60", cached_input_per_million_usd: "0.075"}
 * </pre>
 *
 * @param creditType     the credit type AI calls are charged in
 * @param creditsPerUsd  credits per USD of provider cost, a decimal string
 * @param markupPercent  added on top of the provider cost, a decimal string (0..1000)
 * @param catalog        the prices: the built-in defaults overridden by the file's models
 * @param missingUsage   what a response without usage does
 * @param dailyLimit     per customer per UTC day, in credits; null for none
 * @param monthlyLimit   per customer per UTC month, in credits; null for none
 */
public record AiConfig(String creditType, String creditsPerUsd, String markupPercent,
                       PriceCatalog catalog, MissingUsage missingUsage, String dailyLimit,
                       String monthlyLimit) {

    public static final String CREDIT_TYPE_DEFAULT = "credits";
    public static final String CREDITS_PER_USD_DEFAULT = "100";

    public AiConfig {
        Objects.requireNonNull(creditType, "creditType");
        Objects.requireNonNull(creditsPerUsd, "creditsPerUsd");
        Objects.requireNonNull(catalog, "catalog");
        markupPercent = markupPercent == null ? "0" : markupPercent;
        missingUsage = missingUsage == null ? MissingUsage.ERROR : missingUsage;
    }

    /** {@code credits}, 100 credits per USD, no markup, the built-in catalog, no limits. */
    public static AiConfig defaults() {
        return new AiConfig(CREDIT_TYPE_DEFAULT, CREDITS_PER_USD_DEFAULT, "0",
                PriceCatalog.defaults(), MissingUsage.ERROR, null, null);
    }

    public AiConfig withCatalog(PriceCatalog value) {
        return new AiConfig(creditType, creditsPerUsd, markupPercent, value, missingUsage,
                dailyLimit, monthlyLimit);
    }

    public AiConfig withCreditsPerUsd(String perUsd, String markup) {
        return new AiConfig(creditType, perUsd, markup, catalog, missingUsage, dailyLimit,
                monthlyLimit);
    }

    public AiConfig withMissingUsage(MissingUsage value) {
        return new AiConfig(creditType, creditsPerUsd, markupPercent, catalog, value, dailyLimit,
                monthlyLimit);
    }

    public AiConfig withSpendLimits(String daily, String monthly) {
        return new AiConfig(creditType, creditsPerUsd, markupPercent, catalog, missingUsage,
                daily, monthly);
    }

    public AiConfig withCreditType(String value) {
        return new AiConfig(value, creditsPerUsd, markupPercent, catalog, missingUsage,
                dailyLimit, monthlyLimit);
    }
}
