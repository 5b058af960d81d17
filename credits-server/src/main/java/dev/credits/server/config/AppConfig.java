package dev.credits.server.config;

import dev.credits.CreditTypes;
import java.util.Objects;

/**
 * The server's configuration, as read from the YAML file by {@link ConfigFile}.
 *
 * @param creditTypes the configured credit types ({@link CreditTypes#defaults()} without a file)
 */
public record AppConfig(CreditTypes creditTypes) {
    public AppConfig {
        Objects.requireNonNull(creditTypes, "creditTypes");
    }

    /** The configuration without a file: exactly the default credit type of the API. */
    public static AppConfig defaults() {
        return new AppConfig(CreditTypes.defaults());
    }
}
