package dev.credits.spi;

import dev.credits.Amount;
import dev.credits.CreditsException;
import dev.credits.GrantRecord;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.VerifyReport;
import dev.credits.WalletBalance;
import dev.credits.event.CreditsEvent;
import dev.credits.internal.Command;
import dev.credits.internal.WalletKey;
import java.time.Instant;
import java.util.List;

/**
 * Storage of the ledger. The write path is {@link #execute}: one database transaction for a batch
 * of commands, with the wallets locked in a stable order and {@link dev.credits.internal.LedgerMachine}
 * applied to each command in arrival order. Reads never lock.
 */
public interface LedgerStore extends AutoCloseable {

    /** The outcome of one command of a batch: a result, or the error that rejected it. */
    record Outcome(Object result, CreditsException error, boolean replayed) {
        public static Outcome of(Object result, boolean replayed) {
            return new Outcome(result, null, replayed);
        }

        public static Outcome failed(CreditsException error) {
            return new Outcome(null, error, false);
        }
    }

    /** An event as stored in the outbox, with its position. */
    record StoredEvent(long seq, CreditsEvent event) {
    }

    /** The outcomes of a committed batch and the events it wrote, in order. */
    record BatchResult(List<Outcome> outcomes, List<StoredEvent> events) {
    }

    /** Applies the commands in one transaction at {@code now}; outcome i is command i's. */
    BatchResult execute(List<Command<?>> commands, Instant now);

    /**
     * The wallet as of {@code now}; a wallet never used reads as zero. Null when a scheduled grant
     * of the wallet has become effective but is not activated yet: apply a
     * {@link Command.Sweep} to the wallet, then ask again.
     */
    WalletBalance wallet(WalletKey key, Instant now);

    /**
     * The customer's wallets (of {@code creditType}, or of every type when it is null) holding a
     * scheduled grant that has become effective by {@code now}: to sweep before reading them.
     */
    List<WalletKey> walletsToActivate(String customerId, String creditType, Instant now);

    /** The balance as it stood at {@code at}: every entry effective at or before it. */
    Amount balanceAt(WalletKey key, Instant at, Instant now);

    /**
     * The wallet as it stood at {@code at}: its balance then, and what the holds open then
     * reserved. The overdraft limit is today's (its changes are not kept).
     */
    WalletBalance walletAt(WalletKey key, Instant at, Instant now);

    /** Grants of a customer; active ones in burn-down order, or all, newest first. */
    List<GrantRecord> grants(String customerId, String creditType, boolean all, Instant now);

    /** A grant by id, or null. */
    GrantRecord grant(String grantId, Instant now);

    /** A hold by id, or null. */
    HoldRecord hold(String holdId, Instant now);

    /** The newest {@code limit} holds of a customer, of every status, newest first. */
    default List<HoldRecord> holds(String customerId, int limit, Instant now) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " does not list holds");
    }

    /**
     * The usage of a customer in {@code [from, to)} summed per UTC day, credit type and feature,
     * oldest day first; amounts positive.
     */
    default List<dev.credits.UsageDay> usageByDay(String customerId, Instant from, Instant to) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " does not sum usage by day");
    }

    /** Up to {@code limit} customer ids that start with {@code prefix}, in order. */
    default List<String> customers(String prefix, int limit) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " does not list customers");
    }

    HistoryPage history(String customerId, History query);

    VerifyReport verify();

    /**
     * The roll-forward of {@code currency} over {@code [from, to)}, of one customer and one
     * credit type when they are not null.
     */
    default RevenueTotals revenue(String currency, java.time.Instant from, java.time.Instant to,
                                  String customerId, String creditType) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " keeps no revenue entries");
    }

    /**
     * The figures of {@code [from, to)} alone (purchased, recognized, breakage, refunded; the
     * deferred amounts are 0): a range of the entries, for a report rolled forward month by
     * month.
     */
    default RevenueTotals revenueWithin(String currency, java.time.Instant from,
                                        java.time.Instant to, String customerId,
                                        String creditType) {
        RevenueTotals all = revenue(currency, from, to, customerId, creditType);
        return new RevenueTotals(0, all.purchased(), all.recognized(), all.breakage(),
                all.refunded(), 0);
    }

    /**
     * Wallets with something due: a grant or hold to expire, or a scheduled grant to activate; at
     * most {@code limit}.
     */
    List<WalletKey> walletsDueForSweep(Instant now, int limit);

    /** Forgets idempotency keys first used before {@code cutoff}; returns how many. */
    int deleteIdempotencyKeysBefore(Instant cutoff);

    /** Events not yet delivered to listeners, oldest first. */
    List<StoredEvent> undeliveredEvents(int limit);

    void markDelivered(List<StoredEvent> events, Instant now);

    /** True when the database answers. */
    boolean isHealthy();

    @Override
    void close();
}
