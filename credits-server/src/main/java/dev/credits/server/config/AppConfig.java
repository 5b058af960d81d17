package dev.credits.server.config;

import dev.credits.CreditTypes;
import dev.credits.ai.AiConfig;
import dev.credits.payments.PaymentsConfig;
import dev.credits.plans.Catalog;
import dev.credits.server.HttpLimits;
import dev.credits.webhooks.WebhooksConfig;
import java.util.Objects;

/**
 * The server's configuration, as read from the YAML file by {@link ConfigFile}.
 *
 * @param creditTypes the configured credit types ({@link CreditTypes#defaults()} without a file)
 * @param catalog     the plans and products ({@link Catalog#empty()} when none are configured)
 * @param ai          how AI calls are charged (the {@code ai:} section); null when there is no
 *                    section and no credit type {@code credits} to default to
 * @param webhooks    how webhooks are delivered (the {@code webhooks:} section)
 * @param payments    how Stripe is reached (the {@code stripe:} section); null without one
 * @param http        rate limits, connections and timeouts (the {@code http:} section)
 */
public record AppConfig(CreditTypes creditTypes, Catalog catalog, AiConfig ai,
                        WebhooksConfig webhooks, PaymentsConfig payments, HttpLimits http) {
    public AppConfig {
        Objects.requireNonNull(creditTypes, "creditTypes");
        catalog = catalog == null ? Catalog.empty() : catalog;
        webhooks = webhooks == null ? WebhooksConfig.defaults() : webhooks;
        http = http == null ? HttpLimits.DEFAULTS : http;
    }

    public AppConfig(CreditTypes creditTypes, Catalog catalog, AiConfig ai,
                     WebhooksConfig webhooks, PaymentsConfig payments) {
        this(creditTypes, catalog, ai, webhooks, payments, HttpLimits.DEFAULTS);
    }

    public AppConfig(CreditTypes creditTypes, Catalog catalog, AiConfig ai,
                     WebhooksConfig webhooks) {
        this(creditTypes, catalog, ai, webhooks, null);
    }

    public AppConfig(CreditTypes creditTypes, Catalog catalog, AiConfig ai) {
        this(creditTypes, catalog, ai, WebhooksConfig.defaults());
    }

    public AppConfig(CreditTypes creditTypes, Catalog catalog) {
        this(creditTypes, catalog, creditTypes.contains(AiConfig.CREDIT_TYPE_DEFAULT)
                ? AiConfig.defaults() : null);
    }

    public AppConfig(CreditTypes creditTypes) {
        this(creditTypes, Catalog.empty());
    }

    /** The configuration without a file: exactly the default credit type of the API. */
    public static AppConfig defaults() {
        return new AppConfig(CreditTypes.defaults());
    }
}
