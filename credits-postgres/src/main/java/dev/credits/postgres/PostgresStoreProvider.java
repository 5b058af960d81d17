package dev.credits.postgres;

import dev.credits.CreditsConfig;
import dev.credits.spi.LedgerStore;
import dev.credits.spi.LedgerStoreProvider;

/** Registered with ServiceLoader: {@code Credits.open(config)} uses PostgreSQL. */
public final class PostgresStoreProvider implements LedgerStoreProvider {
    @Override
    public LedgerStore open(CreditsConfig config) {
        return new PostgresLedgerStore(Database.open(config), config.creditTypes());
    }
}
