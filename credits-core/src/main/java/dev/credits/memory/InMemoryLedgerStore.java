package dev.credits.memory;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.GrantRecord;
import dev.credits.GrantStatus;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.HoldStatus;
import dev.credits.StorageUnavailableException;
import dev.credits.Transaction;
import dev.credits.VerifyReport;
import dev.credits.WalletBalance;
import dev.credits.event.CreditsEvent;
import dev.credits.internal.Command;
import dev.credits.internal.GrantState;
import dev.credits.internal.HoldState;
import dev.credits.internal.Invariants;
import dev.credits.internal.LedgerBatch;
import dev.credits.internal.LedgerBatch.NewKey;
import dev.credits.internal.LedgerBatch.RecordedKey;
import dev.credits.internal.LedgerMachine;
import dev.credits.internal.TransactionEntry;
import dev.credits.internal.WalletKey;
import dev.credits.internal.WalletState;
import dev.credits.spi.LedgerStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger in memory, for tests (yours and ours): the same write path as PostgreSQL — the
 * core's {@link LedgerBatch} over the locked states of a batch's wallets, all of a batch or none
 * of it — with no database. Thread-safe (one batch at a time). A {@link Faults} hook can fail a
 * batch before it commits, or after it committed with the acknowledgement lost, as a database
 * can. Reads apply what is due by their time to a copy, as the PostgreSQL reads do.
 * <pre>{@code
 * Credits credits = Credits.open(config, new InMemoryLedgerStore(config.creditTypes()));
 * }</pre>
 * Not kept: a point-in-time wallet ({@link #walletAt}), history cursors and the daily view.
 */
public final class InMemoryLedgerStore implements LedgerStore {
    /** When a batch fails; the default never does. */
    public interface Faults {
        /** Called before a batch commits: throw to fail it with nothing written. */
        default void beforeCommit(List<Command<?>> commands) {
        }

        /** Called after a batch committed: throw to lose its acknowledgement. */
        default void afterCommit(List<Command<?>> commands) {
        }
    }

    private final CreditTypes types;
    private final Map<WalletKey, WalletState> wallets = new HashMap<>();
    private final Map<String, WalletKey> holdWallets = new HashMap<>();
    private final Map<String, WalletKey> grantWallets = new HashMap<>();
    private final Map<String, RecordedKey> keys = new HashMap<>();
    private final Map<String, Instant> keyCreated = new HashMap<>();
    private final List<TransactionEntry> journal = new ArrayList<>();
    private final List<dev.credits.internal.RevenueEntry> revenue = new ArrayList<>();
    private final Map<Long, StoredEvent> undelivered = new LinkedHashMap<>();
    private long eventSeq;
    private volatile Faults faults = new Faults() {
    };

    public InMemoryLedgerStore(CreditTypes types) {
        this.types = types;
    }

    public void faults(Faults value) {
        this.faults = value;
    }

    @Override
    public synchronized BatchResult execute(List<Command<?>> commands, Instant now) {
        List<WalletKey> targets = LedgerBatch.targets(commands, holdWallets, grantWallets);
        Map<WalletKey, WalletState> states = new LinkedHashMap<>();
        for (WalletKey key : LedgerBatch.walletsToLock(targets)) {
            states.put(key, load(key));
        }
        Map<String, RecordedKey> recorded = new HashMap<>();
        for (String name : LedgerBatch.keysInPlay(commands, targets)) {
            RecordedKey key = keys.get(name);
            if (key != null) {
                recorded.put(name, key);
            }
        }
        LedgerBatch.Step step = LedgerBatch.apply(commands, targets, states, recorded, now);
        faults.beforeCommit(commands);
        List<StoredEvent> events = new ArrayList<>();
        for (WalletState state : step.toSave()) {
            commit(state, events);
        }
        for (NewKey key : step.newKeys()) {
            keys.put(key.key(), new RecordedKey(key.fingerprint(), key.result()));
            keyCreated.put(key.key(), now);
        }
        faults.afterCommit(commands);
        return new BatchResult(step.outcomes(), events);
    }

    /** A copy of the committed state, as storage would load it under the wallet's lock. */
    private WalletState load(WalletKey key) {
        WalletState committed = wallets.get(key);
        return committed != null ? copy(committed)
                : new WalletState(key, types.require(key.creditType()), 0, 0, 0, null);
    }

    private void commit(WalletState state, List<StoredEvent> events) {
        journal.addAll(state.transactions);
        revenue.addAll(state.revenue);
        for (CreditsEvent event : state.events) {
            StoredEvent stored = new StoredEvent(++eventSeq, event);
            events.add(stored);
            undelivered.put(stored.seq(), stored);
        }
        state.grants.keySet().forEach(id -> grantWallets.put(id, state.key));
        state.holds.keySet().forEach(id -> holdWallets.put(id, state.key));
        WalletState committed = copy(state);
        committed.sequence = state.sequenceAfter();
        wallets.put(state.key, committed);
    }

    /** A deep copy with nothing marked new or changed. */
    static WalletState copy(WalletState source) {
        WalletState copy = new WalletState(source.key, source.type, source.balance, source.debt,
                source.held, source.overdraftOverride);
        copy.sequence = source.sequence;
        copy.alertThresholdsOverride = source.alertThresholdsOverride;
        copy.alertsBelow.addAll(source.alertsBelow);
        copy.depleted = source.depleted;
        for (GrantState g : source.grants.values()) {
            GrantState grant = new GrantState(g.id, g.transactionId, g.amount, g.remaining,
                    g.source, g.priority, g.effectiveAt, g.expiresAt, g.status, g.reason,
                    g.metadataJson, g.createdAt, false);
            grant.expiringNoticeAt = g.expiringNoticeAt;
            grant.costMinor = g.costMinor;
            grant.costCurrency = g.costCurrency;
            copy.grants.put(grant.id, grant);
        }
        for (HoldState h : source.holds.values()) {
            HoldState hold = new HoldState(h.id, h.amount, h.captured, h.status, h.feature,
                    h.metadataJson, h.expiresAt, h.createdAt, h.transactionId, false);
            copy.holds.put(hold.id, hold);
        }
        return copy;
    }

    /** The wallet as it reads at {@code now}: what fell due is applied to a copy. */
    private WalletState readAt(WalletKey key, Instant now) {
        WalletState state = load(key);
        LedgerMachine.settleDue(state, now);
        return state;
    }

    // ---- reads

    @Override
    public synchronized WalletBalance wallet(WalletKey key, Instant now) {
        return LedgerMachine.walletBalance(readAt(key, now), now);
    }

    @Override
    public List<WalletKey> walletsToActivate(String customerId, String creditType,
                                             Instant now) {
        return List.of(); // reads apply due scheduled grants themselves
    }

    @Override
    public synchronized Amount balanceAt(WalletKey key, Instant at, Instant now) {
        long balance = 0;
        for (TransactionEntry entry : journal) {
            if (entry.wallet().equals(key) && !entry.effectiveAt().isAfter(at)) {
                balance = Math.addExact(balance, entry.amountUnits());
            }
        }
        return types.require(key.creditType()).amount(balance);
    }

    @Override
    public WalletBalance walletAt(WalletKey key, Instant at, Instant now) {
        throw new UnsupportedOperationException("the in-memory store keeps no past holds");
    }

    @Override
    public synchronized List<GrantRecord> grants(String customerId, String creditType,
                                                 boolean all, Instant now) {
        List<GrantRecord> out = new ArrayList<>();
        for (CreditType type : types.all()) {
            if (creditType != null && !creditType.equals(type.id())) {
                continue;
            }
            WalletState state = readAt(new WalletKey(customerId, type.id()), now);
            List<GrantState> grants = all ? new ArrayList<>(state.grants.values())
                    : state.activeGrantsInBurnDownOrder();
            if (all) {
                grants.sort(Comparator.comparing((GrantState g) -> g.id).reversed());
            }
            for (GrantState grant : grants) {
                out.add(LedgerMachine.grantRecord(state, grant));
            }
        }
        return out;
    }

    @Override
    public synchronized GrantRecord grant(String grantId, Instant now) {
        WalletKey key = grantWallets.get(grantId);
        WalletState state = key == null ? null : readAt(key, now);
        return state == null ? null : LedgerMachine.grantRecord(state, state.grants.get(grantId));
    }

    @Override
    public synchronized HoldRecord hold(String holdId, Instant now) {
        WalletKey key = holdWallets.get(holdId);
        WalletState state = key == null ? null : readAt(key, now);
        return state == null ? null : LedgerMachine.holdRecord(state, state.holds.get(holdId));
    }

    @Override
    public synchronized HistoryPage history(String customerId, History query) {
        if (query.daily() || query.cursor() != null) {
            throw new UnsupportedOperationException("the in-memory store has no daily view"
                    + " and no cursors");
        }
        List<Transaction> data = new ArrayList<>();
        for (int i = journal.size() - 1; i >= 0 && data.size() < query.limit(); i--) {
            TransactionEntry entry = journal.get(i);
            if (entry.wallet().customerId().equals(customerId)
                    && (query.creditType() == null
                    || query.creditType().equals(entry.wallet().creditType()))
                    && (query.type() == null || query.type() == entry.type())) {
                data.add(LedgerMachine.transaction(types.require(entry.wallet().creditType()),
                        entry));
            }
        }
        return new HistoryPage(data, null);
    }

    /** The ledger's invariants over every committed wallet (what {@code verify} checks). */
    @Override
    public synchronized dev.credits.spi.RevenueTotals revenue(String currency, Instant from,
                                                          Instant to, String customerId,
                                                          String creditType) {
        long[] t = new long[6];
        for (dev.credits.internal.RevenueEntry e : revenue) {
            if (!e.currency().equals(currency)
                    || (customerId != null && !customerId.equals(e.wallet().customerId()))
                    || (creditType != null && !creditType.equals(e.wallet().creditType()))) {
                continue;
            }
            long signed = e.kind().equals(dev.credits.internal.RevenueEntry.PURCHASED)
                    ? e.minor() : -e.minor();
            if (e.at().isBefore(from)) {
                t[0] += signed;
            } else if (e.at().isBefore(to)) {
                switch (e.kind()) {
                    case dev.credits.internal.RevenueEntry.PURCHASED -> t[1] += e.minor();
                    case dev.credits.internal.RevenueEntry.RECOGNIZED -> t[2] += e.minor();
                    case dev.credits.internal.RevenueEntry.BREAKAGE -> t[3] += e.minor();
                    default -> t[4] += e.minor();
                }
            }
            if (e.at().isBefore(to)) {
                t[5] += signed;
            }
        }
        return new dev.credits.spi.RevenueTotals(t[0], t[1], t[2], t[3], t[4], t[5]);
    }

    @Override
    public synchronized VerifyReport verify() {
        List<String> violations = new ArrayList<>();
        for (WalletState wallet : wallets.values()) {
            violations.addAll(Invariants.violations(wallet));
        }
        Map<WalletKey, Long> journalSums = new HashMap<>();
        for (TransactionEntry entry : journal) {
            journalSums.merge(entry.wallet(), entry.amountUnits(), Math::addExact);
        }
        for (WalletState wallet : wallets.values()) {
            long sum = journalSums.getOrDefault(wallet.key, 0L);
            if (sum != wallet.balance) {
                violations.add(wallet.key + ": balance " + wallet.balance + ", journal " + sum);
            }
        }
        return new VerifyReport(wallets.size(), journal.size(), violations);
    }

    @Override
    public synchronized List<WalletKey> walletsDueForSweep(Instant now, int limit) {
        List<WalletKey> due = new ArrayList<>();
        for (WalletState wallet : wallets.values()) {
            boolean grantDue = wallet.grants.values().stream().anyMatch(g ->
                    (g.status == GrantStatus.SCHEDULED && !g.effectiveAt.isAfter(now))
                    || (g.status == GrantStatus.ACTIVE && g.expiresAt != null
                    && !g.expiresAt.isAfter(now))
                    || (g.status == GrantStatus.ACTIVE && g.expiringNoticeAt != null
                    && !g.expiringNoticeAt.isAfter(now)));
            boolean holdDue = wallet.holds.values().stream().anyMatch(h ->
                    h.status == HoldStatus.HELD && !h.expiresAt.isAfter(now));
            if ((grantDue || holdDue) && due.size() < limit) {
                due.add(wallet.key);
            }
        }
        return due;
    }

    @Override
    public synchronized int deleteIdempotencyKeysBefore(Instant cutoff) {
        List<String> old = keyCreated.entrySet().stream()
                .filter(e -> e.getValue().isBefore(cutoff)).map(Map.Entry::getKey).toList();
        old.forEach(key -> {
            keys.remove(key);
            keyCreated.remove(key);
        });
        return old.size();
    }

    @Override
    public synchronized List<StoredEvent> undeliveredEvents(int limit) {
        return undelivered.values().stream().limit(limit).toList();
    }

    @Override
    public synchronized void markDelivered(List<StoredEvent> events, Instant now) {
        events.forEach(event -> undelivered.remove(event.seq()));
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public void close() {
    }

    /** Thrown by {@link Faults} to act as a database that went away. */
    public static StorageUnavailableException unavailable(String why) {
        return new StorageUnavailableException(why, null);
    }
}
