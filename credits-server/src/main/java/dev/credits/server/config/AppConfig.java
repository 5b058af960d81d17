package dev.credits.server.config;

import dev.credits.CreditTypes;
import dev.credits.plans.Catalog;
import java.util.Objects;

/**
 * The server's configuration, as read from the YAML file by {@link ConfigFile}.
 *
 * @param creditTypes the configured credit types ({@link CreditTypes#defaults()} without a file)
 * @param catalog     the plans and products ({@link Catalog#empty()} when none are configured)
 */
public record AppConfig(CreditTypes creditTypes, Catalog catalog) {
    public AppConfig {
        Objects.requireNonNull(creditTypes, "creditTypes");
        catalog = catalog == null ? Catalog.empty() : catalog;
    }

    public AppConfig(CreditTypes creditTypes) {
        this(creditTypes, Catalog.empty());
    }

    /** The configuration without a file: exactly the default credit type of the API. */
    public static AppConfig defaults() {
        return new AppConfig(CreditTypes.defaults());
    }
}
