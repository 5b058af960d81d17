package dev.credits.spi;

import dev.credits.CreditsConfig;

/**
 * Found with {@link java.util.ServiceLoader}: the storage module registers one, so that
 * {@code Credits.open(config)} works with nothing but the storage jar on the class path.
 */
public interface LedgerStoreProvider {
    LedgerStore open(CreditsConfig config);
}
