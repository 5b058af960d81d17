package dev.credits.internal;

import dev.credits.Amount;
import dev.credits.GrantRecord;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.VerifyReport;
import dev.credits.WalletBalance;
import dev.credits.spi.LedgerStore;
import java.time.Instant;
import java.util.List;

/** A store for tests without a database: reads are unsupported, housekeeping does nothing. */
abstract class StubLedgerStore implements LedgerStore {
    @Override
    public BatchResult execute(List<Command<?>> commands, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public WalletBalance wallet(WalletKey key, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Amount balanceAt(WalletKey key, Instant at, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public WalletBalance walletAt(WalletKey key, Instant at, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<GrantRecord> grants(String customerId, String creditType, boolean all,
                                    Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public GrantRecord grant(String grantId, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HoldRecord hold(String holdId, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HistoryPage history(String customerId, History query) {
        throw new UnsupportedOperationException();
    }

    @Override
    public VerifyReport verify() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<WalletKey> walletsToActivate(String customerId, String creditType, Instant now) {
        return List.of();
    }

    @Override
    public List<WalletKey> walletsDueForSweep(Instant now, int limit) {
        return List.of();
    }

    @Override
    public int deleteIdempotencyKeysBefore(Instant cutoff) {
        return 0;
    }

    @Override
    public List<StoredEvent> undeliveredEvents(int limit) {
        return List.of();
    }

    @Override
    public void markDelivered(List<StoredEvent> events, Instant now) {
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public void close() {
    }
}
