package dev.credits.internal;

import dev.credits.CreditType;
import dev.credits.HoldStatus;
import dev.credits.OverdraftLimit;
import dev.credits.event.CreditsEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One wallet, loaded under its row lock: the balance columns, the active grants and holds, and
 * whatever the current batch appended. {@link LedgerMachine} changes it in memory; storage writes
 * what changed and commits once.
 */
public final class WalletState {
    public final WalletKey key;
    public final CreditType type;
    public long balance;
    public long debt;
    public long held;
    /** The wallet's own overdraft limit; null means the credit type's default. */
    public OverdraftLimit overdraftOverride;
    public boolean walletDirty;
    /**
     * How many events the wallet had as loaded. Each event this batch appends is the next: the
     * {@code i}-th of {@link #events} is number {@code sequence + i + 1} (see {@link #sequenceOf}).
     */
    public long sequence;
    /** The wallet's own alert thresholds, highest first; null means the credit type's. */
    public List<Long> alertThresholdsOverride;
    /** The thresholds {@code available} is below and has been reported below (balance.low). */
    public final java.util.TreeSet<Long> alertsBelow = new java.util.TreeSet<>();
    /** Whether balance.depleted was reported and {@code available} has not been above 0 since. */
    public boolean depleted;

    /** Active and scheduled grants, and any grant a command of the batch addresses by id. */
    public final Map<String, GrantState> grants = new HashMap<>();
    /** Active holds and any hold a command of the batch addresses by id. */
    public final Map<String, HoldState> holds = new HashMap<>();

    public final List<TransactionEntry> transactions = new ArrayList<>();
    /** The shares of cost bases this batch moved (what grants were paid for, and how used). */
    public final List<RevenueEntry> revenue = new ArrayList<>();
    public final List<CreditsEvent> events = new ArrayList<>();

    public WalletState(WalletKey key, CreditType type, long balance, long debt, long held,
                       OverdraftLimit overdraftOverride) {
        this.key = key;
        this.type = type;
        this.balance = balance;
        this.debt = debt;
        this.held = held;
        this.overdraftOverride = overdraftOverride;
    }

    /** The wallet's event count after event {@code index} of {@link #events}. */
    public long sequenceOf(int index) {
        return Math.addExact(sequence, index + 1L);
    }

    /** The wallet's event count after this batch. */
    public long sequenceAfter() {
        return Math.addExact(sequence, events.size());
    }

    /** The thresholds this wallet alerts at, highest first. */
    public List<Long> alertThresholds() {
        return alertThresholdsOverride != null ? alertThresholdsOverride
                : type.defaultAlertThresholds();
    }

    public OverdraftLimit overdraftLimit() {
        return overdraftOverride != null ? overdraftOverride : type.overdraftLimit();
    }

    public long available() {
        return Math.subtractExact(balance, held);
    }

    public List<GrantState> activeGrantsInBurnDownOrder() {
        List<GrantState> active = new ArrayList<>();
        for (GrantState grant : grants.values()) {
            if (grant.status == dev.credits.GrantStatus.ACTIVE) {
                active.add(grant);
            }
        }
        active.sort(GrantState.BURN_DOWN);
        return active;
    }

    public List<HoldState> activeHolds() {
        List<HoldState> active = new ArrayList<>();
        for (HoldState hold : holds.values()) {
            if (hold.status == HoldStatus.HELD) {
                active.add(hold);
            }
        }
        active.sort((a, b) -> a.id.compareTo(b.id));
        return active;
    }

    public boolean hasChanges() {
        return walletDirty || !transactions.isEmpty() || !events.isEmpty() || !revenue.isEmpty()
                || grants.values().stream().anyMatch(g -> g.isNew || g.dirty)
                || holds.values().stream().anyMatch(h -> h.isNew || h.dirty);
    }
}
