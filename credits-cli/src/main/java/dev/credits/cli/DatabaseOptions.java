package dev.credits.cli;

import dev.credits.CreditTypes;
import dev.credits.CreditsConfig;
import dev.credits.postgres.Database;
import dev.credits.server.config.AppConfig;
import dev.credits.server.config.ConfigException;
import dev.credits.server.config.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the ledger is: the embedded database in {@code --data DIR}, or a PostgreSQL server at
 * {@code --database-url}; and which credit types it has ({@code --config FILE}).
 */
final class DatabaseOptions {
    static final String DATA_DIRECTORY_DEFAULT = "data";

    @Option(names = "--data", paramLabel = "DIR", defaultValue = DATA_DIRECTORY_DEFAULT,
            description = "Directory of the embedded database (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @Option(names = "--database-url", paramLabel = "URL",
            defaultValue = "${env:CREDITS_DATABASE_URL}",
            description = "JDBC URL of a PostgreSQL database to use instead of the embedded one"
                    + " (env CREDITS_DATABASE_URL).")
    String databaseUrl;

    @Option(names = "--database-user", paramLabel = "USER",
            defaultValue = "${env:CREDITS_DATABASE_USER}",
            description = "Database user (env CREDITS_DATABASE_USER).")
    String databaseUser;

    @Option(names = "--database-password", paramLabel = "PASSWORD",
            defaultValue = "${env:CREDITS_DATABASE_PASSWORD}",
            description = "Database password; prefer env CREDITS_DATABASE_PASSWORD.")
    String databasePassword;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:CREDITS_CONFIG}",
            description = "YAML file defining the credit types (env CREDITS_CONFIG). Without it"
                    + " there is one type: credits, scale 2.")
    Path configFile;

    /** The ledger's configuration: durable, system clock, the sweeper at its default. */
    CreditsConfig config() {
        CreditsConfig config = CreditsConfig.defaults()
                .withDataDirectory(dataDirectory)
                .withCreditTypes(creditTypes())
                .withDurable(true);
        if (databaseUrl != null && !databaseUrl.isBlank()) {
            config = config.withDatabase(databaseUrl, databaseUser, databasePassword);
        }
        return config;
    }

    CreditTypes creditTypes() {
        return appConfig().creditTypes();
    }

    /** The whole configuration file: credit types, plans and products. */
    AppConfig appConfig() {
        if (configFile == null) {
            return AppConfig.defaults();
        }
        if (!Files.isRegularFile(configFile)) {
            throw CliException.rejected("config file " + configFile + " does not exist");
        }
        try {
            return ConfigFile.load(configFile);
        } catch (ConfigException e) {
            // Each error names the file, the line and the key.
            String indent = System.lineSeparator() + "  ";
            throw CliException.rejected("the configuration cannot be used:" + indent
                    + String.join(indent, e.errors()), e);
        }
    }

    /** True when the ledger runs on the embedded database in {@link #dataDirectory}. */
    boolean isEmbedded() {
        return databaseUrl == null || databaseUrl.isBlank();
    }

    /** The options that point another command at the same database, for hints. */
    String asArguments() {
        String where = databaseUrl != null && !databaseUrl.isBlank()
                ? "--database-url '" + Database.redact(databaseUrl) + "'"
                : DATA_DIRECTORY_DEFAULT.equals(dataDirectory.toString()) ? ""
                : "--data " + dataDirectory;
        String config = configFile == null ? "" : " --config " + configFile;
        return (where + config).trim();
    }
}
