package dev.credits.internal;

import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import dev.credits.HoldRecord;
import dev.credits.HoldStatus;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidAmountException;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.OverdraftLimit;
import dev.credits.SpendResult;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.ValidationException;
import dev.credits.WalletBalance;
import dev.credits.event.BalanceDepleted;
import dev.credits.event.BalanceLow;
import dev.credits.event.BalanceRecovered;
import dev.credits.event.CreditsAdjusted;
import dev.credits.event.CreditsExpired;
import dev.credits.event.CreditsExpiringSoon;
import dev.credits.event.CreditsGranted;
import dev.credits.event.CreditsHeld;
import dev.credits.event.CreditsSpent;
import dev.credits.event.GrantVoided;
import dev.credits.event.HoldCaptured;
import dev.credits.event.HoldExpired;
import dev.credits.event.HoldReleased;
import dev.credits.internal.TransactionEntry.AllocationEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The ledger's rules as a pure function: apply one command to the locked state of its wallet at
 * a given time. No I/O. A rejected command throws a {@link dev.credits.CreditsException} before it
 * has changed anything; a successful one changes the state and appends the entries and events to
 * write. Storage loads the state, calls this for each command of a batch in arrival order, then
 * writes what changed.
 */
public final class LedgerMachine {

    /** How far ahead a grant may be made effective (scheduled). */
    public static final Duration SCHEDULE_AHEAD_MAX = Duration.ofDays(3_660);

    private LedgerMachine() {
    }

    /** Applies {@code command} at {@code now}; returns the command's result. */
    public static <R> R apply(WalletState wallet, Command<R> command, Instant now) {
        long availableBefore = wallet.available();
        settleDue(wallet, now);
        try {
            return command.applyTo(wallet, now);
        } finally {
            // Also when the command is refused: what fell due may have crossed a threshold.
            announceExpiringSoon(wallet, now);
            checkAlerts(wallet, availableBefore, now);
        }
    }

    /**
     * Records everything that fell due by {@code now}, in time order: a scheduled grant becomes
     * active at its {@code effective_at} (its {@code grant} entry is written then, effective at
     * that time, and it pays the wallet's debt first, as any new grant does); each expired
     * remainder becomes an {@code expiry} entry effective at the grant's {@code expires_at}; and
     * holds past their {@code expires_at} are released.
     */
    public static void settleDue(WalletState wallet, Instant now) {
        PriorityQueue<Due> due = new PriorityQueue<>();
        for (GrantState grant : wallet.grants.values()) {
            Instant at = dueAt(grant);
            if (at != null && !at.isAfter(now)) {
                due.add(new Due(at, grant));
            }
        }
        while (!due.isEmpty()) {
            GrantState grant = due.poll().grant();
            if (grant.status == GrantStatus.SCHEDULED) {
                activate(wallet, grant, now);
                Instant expiry = dueAt(grant); // it may have expired since, too
                if (expiry != null && !expiry.isAfter(now)) {
                    due.add(new Due(expiry, grant));
                }
            } else {
                expire(wallet, grant, now);
            }
        }
        expireHolds(wallet, now);
    }

    /** When a grant next falls due: a scheduled one at effective_at, an active one at expiry. */
    private static Instant dueAt(GrantState grant) {
        return grant.status == GrantStatus.SCHEDULED ? grant.effectiveAt
                : grant.status == GrantStatus.ACTIVE ? grant.expiresAt : null;
    }

    /** Something due at {@code at}; in time order, then by grant id. */
    private record Due(Instant at, GrantState grant) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byTime = at.compareTo(other.at);
            return byTime != 0 ? byTime : grant.id.compareTo(other.grant.id);
        }
    }

    private static void activate(WalletState wallet, GrantState grant, Instant now) {
        long debtPaid = Math.min(wallet.debt, grant.amount);
        grant.remaining = grant.amount;
        consume(wallet, grant, debtPaid, RevenueEntry.RECOGNIZED, grant.transactionId,
                grant.effectiveAt);
        grant.status = grant.remaining > 0 ? GrantStatus.ACTIVE : GrantStatus.DEPLETED;
        grant.dirty = true;
        wallet.debt -= debtPaid;
        wallet.balance = Math.addExact(wallet.balance, grant.amount);
        wallet.walletDirty = true;
        wallet.transactions.add(TransactionEntry.issued(wallet.key, TransactionType.GRANT, grant,
                wallet.balance, now));
        wallet.events.add(new CreditsGranted(wallet.key.customerId(), wallet.key.creditType(),
                grant.effectiveAt, grant.id, grant.transactionId, grant.amount,
                grant.source.wireName(), wallet.balance));
    }

    private static void expire(WalletState wallet, GrantState grant, Instant now) {
        String txnId = Ids.transaction();
        long gone = retire(wallet, grant, GrantStatus.EXPIRED, txnId, grant.expiresAt);
        wallet.transactions.add(TransactionEntry.retired(txnId, wallet.key,
                TransactionType.EXPIRY, grant, gone, wallet.balance, null, now, grant.expiresAt));
        wallet.events.add(new CreditsExpired(wallet.key.customerId(), wallet.key.creditType(),
                grant.expiresAt, grant.id, txnId, gone, wallet.balance));
    }

    /**
     * Ends an active grant: what it had left leaves the balance (its cost's share is breakage
     * for an expiry, refunded for a void). Returns that amount.
     */
    private static long retire(WalletState wallet, GrantState grant, GrantStatus status,
                               String txnId, Instant at) {
        long gone = grant.remaining;
        consume(wallet, grant, gone, status == GrantStatus.EXPIRED ? RevenueEntry.BREAKAGE
                : RevenueEntry.REFUNDED, txnId, at);
        grant.status = status;
        grant.dirty = true;
        wallet.balance = Math.subtractExact(wallet.balance, gone);
        wallet.walletDirty = true;
        return gone;
    }

    /**
     * Takes {@code units} of a grant's remaining, recording the matching share of its cost basis
     * as {@code kind}: after consuming k of its n units, floor(cost × k / n) of the cost has gone,
     * so the shares add up to the cost exactly and the last unit takes the remainder.
     */
    private static void consume(WalletState wallet, GrantState grant, long units, String kind,
                                String txnId, Instant at) {
        if (units <= 0) {
            return;
        }
        if (units > grant.remaining) {
            throw new IllegalStateException("grant " + grant.id + " has " + grant.remaining
                    + " left, not " + units);
        }
        if (grant.costMinor != null) {
            long before = grant.amount - grant.remaining;
            long share = costShare(grant.costMinor, before + units, grant.amount)
                    - costShare(grant.costMinor, before, grant.amount);
            if (share > 0) {
                wallet.revenue.add(new RevenueEntry(wallet.key, txnId, grant.id, kind,
                        grant.costCurrency, share, at));
            }
        }
        grant.remaining -= units;
    }

    /** {@code floor(cost × consumed / amount)}, exactly. */
    static long costShare(long cost, long consumed, long amount) {
        return java.math.BigInteger.valueOf(cost).multiply(java.math.BigInteger.valueOf(consumed))
                .divide(java.math.BigInteger.valueOf(amount)).longValueExact();
    }

    private static void purchased(WalletState wallet, GrantState grant, Instant at) {
        if (grant.costMinor != null && grant.costMinor > 0) {
            wallet.revenue.add(new RevenueEntry(wallet.key, grant.transactionId, grant.id,
                    RevenueEntry.PURCHASED, grant.costCurrency, grant.costMinor, at));
        }
    }

    private static void expireHolds(WalletState wallet, Instant now) {
        for (HoldState hold : wallet.activeHolds()) {
            if (!hold.expiresAt.isAfter(now)) {
                hold.status = HoldStatus.EXPIRED;
                hold.dirty = true;
                wallet.held = Math.subtractExact(wallet.held, hold.amount);
                wallet.walletDirty = true;
                wallet.events.add(new HoldExpired(wallet.key.customerId(), wallet.key.creditType(),
                        hold.expiresAt, hold.id, hold.amount));
            }
        }
    }

    static GrantRecord grant(WalletState wallet, Command.Grant c, Instant now) {
        return grant(wallet, c, now, TransactionType.GRANT);
    }

    private static GrantRecord grant(WalletState wallet, Command.Grant c, Instant now,
                                     TransactionType entryType) {
        Instant effectiveAt = c.effectiveAt() != null ? c.effectiveAt() : now;
        if (c.expiresAt() != null && !c.expiresAt().isAfter(now)) {
            throw new ValidationException("expires_at", "must be in the future");
        }
        long balanceAfter = addOrReject(wallet.balance, c.amountUnits());
        // What is scheduled will be added too: it must fit as well, or activating it would fail.
        addOrReject(balanceAfter, scheduledUnits(wallet));
        if (effectiveAt.isAfter(now)) {
            return schedule(wallet, c, effectiveAt, now);
        }
        long debtPaid = Math.min(wallet.debt, c.amountUnits());

        GrantState grant = new GrantState(Ids.grant(), Ids.transaction(), c.amountUnits(),
                c.amountUnits(), c.source(), c.priority(), effectiveAt, c.expiresAt(),
                GrantStatus.ACTIVE, c.reason(), metadataOf(c.metadataJson()), now, true);
        setCost(grant, c);
        purchased(wallet, grant, now);
        consume(wallet, grant, debtPaid, RevenueEntry.RECOGNIZED, grant.transactionId, now);
        if (grant.remaining == 0) {
            grant.status = GrantStatus.DEPLETED;
        }
        grant.expiringNoticeAt = wallet.type.expiringNoticeAt(grant.expiresAt);
        wallet.grants.put(grant.id, grant);
        wallet.debt -= debtPaid;
        wallet.balance = balanceAfter;
        wallet.walletDirty = true;
        wallet.transactions.add(TransactionEntry.issued(wallet.key, entryType, grant,
                balanceAfter, now));
        wallet.events.add(new CreditsGranted(wallet.key.customerId(), wallet.key.creditType(), now,
                grant.id, grant.transactionId, c.amountUnits(), c.source().wireName(),
                balanceAfter));
        return grantRecord(wallet, grant);
    }

    /**
     * A grant effective later: kept as {@code scheduled}, outside the balance, until
     * {@link #settleDue} activates it at its {@code effective_at}.
     */
    private static GrantRecord schedule(WalletState wallet, Command.Grant c, Instant effectiveAt,
                                        Instant now) {
        if (effectiveAt.isAfter(now.plus(SCHEDULE_AHEAD_MAX))) {
            throw new ValidationException("effective_at", "must be at most "
                    + SCHEDULE_AHEAD_MAX.toDays() + " days ahead");
        }
        if (c.expiresAt() != null && !c.expiresAt().isAfter(effectiveAt)) {
            throw new ValidationException("expires_at", "must be after effective_at");
        }
        GrantState grant = new GrantState(Ids.grant(), Ids.transaction(), c.amountUnits(),
                c.amountUnits(), c.source(), c.priority(), effectiveAt, c.expiresAt(),
                GrantStatus.SCHEDULED, c.reason(), metadataOf(c.metadataJson()), now, true);
        setCost(grant, c);
        purchased(wallet, grant, now); // paid now, deferred until used
        grant.expiringNoticeAt = wallet.type.expiringNoticeAt(grant.expiresAt);
        wallet.grants.put(grant.id, grant);
        return grantRecord(wallet, grant);
    }

    private static void setCost(GrantState grant, Command.Grant c) {
        if (c.costBasis() != null) {
            grant.costMinor = c.costBasis().minor();
            grant.costCurrency = c.costBasis().currency();
        }
    }

    private static long scheduledUnits(WalletState wallet) {
        long scheduled = 0;
        for (GrantState grant : wallet.grants.values()) {
            if (grant.status == GrantStatus.SCHEDULED) {
                scheduled = addOrReject(scheduled, grant.amount);
            }
        }
        return scheduled;
    }

    static SpendResult spend(WalletState wallet, Command.Spend c, Instant now) {
        requireWithinLimit(wallet, balanceAfterTaking(wallet, c.amountUnits()), wallet.held,
                c.amountUnits());
        String txnId = Ids.transaction();
        List<AllocationEntry> allocations = burnDown(wallet, c.amountUnits(), txnId, now);
        wallet.transactions.add(TransactionEntry.usage(txnId, wallet.key, null, c.amountUnits(),
                wallet.balance, c.feature(), c.reason(), metadataOf(c.metadataJson()), now,
                allocations));
        wallet.events.add(new CreditsSpent(wallet.key.customerId(), wallet.key.creditType(), now,
                txnId, c.amountUnits(), c.feature(), null, wallet.balance));
        CreditType type = wallet.type;
        return new SpendResult(txnId, wallet.key.customerId(), wallet.key.creditType(),
                type.amount(c.amountUnits()), type.amount(wallet.balance),
                type.amount(wallet.available()), allocations(type, allocations));
    }

    static Transaction adjust(WalletState wallet, Command.Adjust c, Instant now) {
        if (c.amountUnits() > 0) {
            Command.Grant asGrant = new Command.Grant(wallet.key, c.amountUnits(),
                    GrantSource.ADJUSTMENT, Command.PRIORITY_DEFAULT, null, null, c.reason(),
                    c.metadataJson(), null);
            grant(wallet, asGrant, now, TransactionType.ADJUSTMENT);
        } else {
            long amount = Math.negateExact(c.amountUnits());
            requireRecordable(subtractOrReject(wallet.balance, amount), wallet.held);
            String txnId = Ids.transaction();
            List<AllocationEntry> allocations = burnDown(wallet, amount, txnId, now);
            wallet.transactions.add(TransactionEntry.adjustment(txnId, wallet.key,
                    c.amountUnits(), wallet.balance, c.reason(), metadataOf(c.metadataJson()),
                    now, allocations));
        }
        TransactionEntry entry = wallet.transactions.get(wallet.transactions.size() - 1);
        wallet.events.add(new CreditsAdjusted(wallet.key.customerId(), wallet.key.creditType(),
                now, entry.id(), c.amountUnits(), wallet.balance));
        return transaction(wallet.type, entry);
    }

    static HoldRecord hold(WalletState wallet, Command.Hold c, Instant now) {
        requireWithinLimit(wallet, wallet.balance, addOrReject(wallet.held, c.amountUnits()),
                c.amountUnits());
        HoldState hold = new HoldState(Ids.hold(), c.amountUnits(), 0, HoldStatus.HELD,
                c.feature(), metadataOf(c.metadataJson()), now.plusSeconds(c.lifetimeSeconds()),
                now, null, true);
        wallet.holds.put(hold.id, hold);
        wallet.held = Math.addExact(wallet.held, c.amountUnits());
        wallet.walletDirty = true;
        wallet.events.add(new CreditsHeld(wallet.key.customerId(), wallet.key.creditType(), now,
                hold.id, hold.amount, hold.expiresAt));
        return holdRecord(wallet, hold);
    }

    static HoldRecord capture(WalletState wallet, Command.Capture c, Instant now) {
        HoldState hold = heldHold(wallet, c.holdId(), "captured");
        long covered = Math.min(c.amountUnits(), hold.amount);
        long extra = c.amountUnits() - covered;
        long heldAfter = wallet.held - hold.amount;
        if (extra > 0) {
            // Up to the held amount always succeeds; the extra is a spend under the limit.
            // The 402 shows what is available once this hold is released.
            long balanceAfter = balanceAfterTaking(wallet, c.amountUnits());
            try {
                requireWithinLimit(wallet, balanceAfter, heldAfter, c.amountUnits());
            } catch (InsufficientCreditsException e) {
                CreditType type = wallet.type;
                throw new InsufficientCreditsException(type.amount(wallet.balance),
                        type.amount(Math.subtractExact(wallet.balance, heldAfter)),
                        type.amount(c.amountUnits()));
            }
        } else {
            requireRecordable(subtractOrReject(wallet.balance, c.amountUnits()), heldAfter);
        }
        wallet.held = heldAfter;
        hold.status = HoldStatus.CAPTURED;
        hold.captured = c.amountUnits();
        hold.dirty = true;
        String txnId = Ids.transaction();
        hold.transactionId = txnId;
        List<AllocationEntry> allocations = burnDown(wallet, c.amountUnits(), txnId, now);
        wallet.transactions.add(TransactionEntry.usage(txnId, wallet.key, hold.id,
                c.amountUnits(), wallet.balance, hold.feature, null, hold.metadataJson, now,
                allocations));
        wallet.events.add(new HoldCaptured(wallet.key.customerId(), wallet.key.creditType(), now,
                hold.id, txnId, hold.amount, c.amountUnits()));
        wallet.events.add(new CreditsSpent(wallet.key.customerId(), wallet.key.creditType(), now,
                txnId, c.amountUnits(), hold.feature, hold.id, wallet.balance));
        return holdRecord(wallet, hold);
    }

    static HoldRecord release(WalletState wallet, Command.Release c, Instant now) {
        HoldState hold = heldHold(wallet, c.holdId(), "released");
        hold.status = HoldStatus.RELEASED;
        hold.dirty = true;
        wallet.held = Math.subtractExact(wallet.held, hold.amount);
        wallet.walletDirty = true;
        wallet.events.add(new HoldReleased(wallet.key.customerId(), wallet.key.creditType(), now,
                hold.id, hold.amount));
        return holdRecord(wallet, hold);
    }

    static GrantRecord voidGrant(WalletState wallet, Command.VoidGrant c, Instant now) {
        GrantState grant = wallet.grants.get(c.grantId());
        if (grant == null) {
            throw new NotFoundException("grant " + c.grantId() + " not found");
        }
        if (grant.status == GrantStatus.SCHEDULED) {
            // Never in the balance: nothing to take back, so no entry (but its cost is
            // refunded, if it had one).
            consume(wallet, grant, grant.remaining, RevenueEntry.REFUNDED, null, now);
            grant.status = GrantStatus.VOIDED;
            grant.dirty = true;
            wallet.events.add(new GrantVoided(wallet.key.customerId(), wallet.key.creditType(),
                    now, grant.id, null, 0, wallet.balance));
            return grantRecord(wallet, grant);
        }
        if (grant.status != GrantStatus.ACTIVE) {
            throw new InvalidStateException("grant " + grant.id + " is " + grant.status.wireName()
                    + "; only an active or scheduled grant can be voided");
        }
        if (c.expectedRemainingUnits() != null && c.expectedRemainingUnits() != grant.remaining) {
            throw new InvalidStateException("grant " + grant.id + " has "
                    + wallet.type.amount(grant.remaining) + " left, not the expected "
                    + wallet.type.amount(c.expectedRemainingUnits()));
        }
        long gone;
        String txnId = Ids.transaction();
        if (c.amountUnits() != null && c.amountUnits() < grant.remaining) {
            gone = c.amountUnits(); // a share taken back; the grant stays active with the rest
            consume(wallet, grant, gone, RevenueEntry.REFUNDED, txnId, now);
            grant.dirty = true;
            wallet.balance = Math.subtractExact(wallet.balance, gone);
            wallet.walletDirty = true;
        } else {
            gone = retire(wallet, grant, GrantStatus.VOIDED, txnId, now);
        }
        wallet.transactions.add(TransactionEntry.retired(txnId, wallet.key, TransactionType.VOID,
                grant, gone, wallet.balance, c.reason(), now, now));
        wallet.events.add(new GrantVoided(wallet.key.customerId(), wallet.key.creditType(), now,
                grant.id, txnId, gone, wallet.balance));
        return grantRecord(wallet, grant);
    }

    static WalletBalance setOverdraftLimit(WalletState wallet,
                                                   Command.SetOverdraftLimit c, Instant now) {
        wallet.overdraftOverride = c.limit();
        wallet.walletDirty = true;
        return walletBalance(wallet, now);
    }

    static WalletBalance configureWallet(WalletState wallet, Command.ConfigureWallet c,
                                         Instant now) {
        if (c.setsOverdraft()) {
            wallet.overdraftOverride = c.overdraftLimit();
        }
        if (c.setsAlertThresholds()) {
            wallet.alertThresholdsOverride = c.alertThresholdUnits();
        }
        wallet.walletDirty = true;
        return walletBalance(wallet, now);
    }

    /** Takes {@code units} from active grants in burn-down order; the rest becomes debt. */
    private static List<AllocationEntry> burnDown(WalletState wallet, long units, String txnId,
                                                  Instant now) {
        List<AllocationEntry> allocations = new ArrayList<>();
        long left = units;
        for (GrantState grant : wallet.activeGrantsInBurnDownOrder()) {
            if (left == 0) {
                break;
            }
            long take = Math.min(grant.remaining, left);
            consume(wallet, grant, take, RevenueEntry.RECOGNIZED, txnId, now);
            if (grant.remaining == 0) {
                grant.status = GrantStatus.DEPLETED;
            }
            grant.dirty = true;
            left -= take;
            allocations.add(new AllocationEntry(grant.id, take));
        }
        if (left > 0) {
            wallet.debt = Math.addExact(wallet.debt, left);
            allocations.add(new AllocationEntry(null, left));
        }
        wallet.balance = Math.subtractExact(wallet.balance, units);
        wallet.walletDirty = true;
        return allocations;
    }

    /**
     * Refuses a spend or hold that would take available ({@code balanceAfter - heldAfter})
     * below the overdraft limit, computed exactly: a value past what a {@code long} holds is
     * below every limit (402), and with an unlimited overdraft it cannot be recorded at all.
     */
    private static void requireWithinLimit(WalletState wallet, long balanceAfter, long heldAfter,
                                           long requiredUnits) {
        boolean permitted;
        try {
            permitted = wallet.overdraftLimit().permits(
                    Math.subtractExact(balanceAfter, heldAfter));
        } catch (ArithmeticException e) {
            if (wallet.overdraftLimit().isUnlimited()) {
                throw new InvalidAmountException("the wallet's available credits would"
                        + " overflow");
            }
            permitted = false;
        }
        if (!permitted) {
            CreditType type = wallet.type;
            throw new InsufficientCreditsException(type.amount(wallet.balance),
                    type.amount(wallet.available()), type.amount(requiredUnits));
        }
    }

    /** A new balance, or a refusal (402, or 422 when unlimited) when it leaves the long range. */
    private static long balanceAfterTaking(WalletState wallet, long units) {
        try {
            return Math.subtractExact(wallet.balance, units);
        } catch (ArithmeticException e) {
            if (wallet.overdraftLimit().isUnlimited()) {
                throw new InvalidAmountException("the wallet's balance would overflow");
            }
            CreditType type = wallet.type;
            throw new InsufficientCreditsException(type.amount(wallet.balance),
                    type.amount(wallet.available()), type.amount(units));
        }
    }

    /** Balance and available after a correction must both be recordable as a long. */
    private static void requireRecordable(long balanceAfter, long heldAfter) {
        try {
            Math.subtractExact(balanceAfter, heldAfter);
        } catch (ArithmeticException e) {
            throw new InvalidAmountException("the wallet's available credits would overflow");
        }
    }

    private static HoldState heldHold(WalletState wallet, String holdId, String verb) {
        HoldState hold = wallet.holds.get(holdId);
        if (hold == null) {
            throw new NotFoundException("hold " + holdId + " not found");
        }
        if (hold.status != HoldStatus.HELD) {
            throw new InvalidStateException("hold " + hold.id + " is " + hold.status.wireName()
                    + "; only a held hold can be " + verb);
        }
        return hold;
    }

    /**
     * {@code credits.expiring_soon} for each active grant whose notice is due (its credit type's
     * {@code expiring_soon_days} before it expires), once: the grant forgets its notice.
     */
    static void announceExpiringSoon(WalletState wallet, Instant now) {
        List<GrantState> due = null; // on the write path: nothing allocated when none is due
        for (GrantState grant : wallet.grants.values()) {
            if (grant.expiringNoticeAt != null && grant.status == GrantStatus.ACTIVE
                    && !grant.expiringNoticeAt.isAfter(now)) {
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(grant);
            }
        }
        if (due == null) {
            return;
        }
        due.sort(java.util.Comparator.comparing((GrantState g) -> g.expiresAt)
                .thenComparing(g -> g.id));
        for (GrantState grant : due) {
            grant.expiringNoticeAt = null;
            grant.dirty = true;
            if (grant.remaining > 0 && grant.expiresAt.isAfter(now)) {
                wallet.events.add(new CreditsExpiringSoon(wallet.key.customerId(),
                        wallet.key.creditType(), now, grant.id, grant.remaining,
                        grant.expiresAt));
            }
        }
    }

    /**
     * Balance alerts, decided here under the wallet's lock, once per crossing: for each
     * threshold, {@code balance.low} when {@code available} went from at or above it to below it
     * (the threshold is then remembered with the wallet), {@code balance.recovered} when it is
     * back at or above a remembered one; {@code balance.depleted} when it went from above zero to
     * zero or less. Racing spends are applied one after another here, so none fires a crossing
     * twice or misses one. Thresholds no longer configured are forgotten.
     */
    static void checkAlerts(WalletState wallet, long availableBefore, Instant now) {
        long available = wallet.available();
        List<Long> thresholds = wallet.alertThresholds();
        if (wallet.alertsBelow.retainAll(thresholds)) {
            wallet.walletDirty = true;
        }
        // Falling, the highest threshold is crossed first; rising, the lowest.
        for (long threshold : thresholds) {
            if (available < threshold && availableBefore >= threshold
                    && wallet.alertsBelow.add(threshold)) {
                wallet.walletDirty = true;
                wallet.events.add(new BalanceLow(wallet.key.customerId(),
                        wallet.key.creditType(), now, wallet.balance, threshold, available));
            }
        }
        for (int i = thresholds.size() - 1; i >= 0; i--) {
            long threshold = thresholds.get(i);
            if (available >= threshold && wallet.alertsBelow.remove(threshold)) {
                wallet.walletDirty = true;
                wallet.events.add(new BalanceRecovered(wallet.key.customerId(),
                        wallet.key.creditType(), now, threshold, available));
            }
        }
        if (available <= 0 && availableBefore > 0 && !wallet.depleted) {
            wallet.depleted = true;
            wallet.walletDirty = true;
            wallet.events.add(new BalanceDepleted(wallet.key.customerId(),
                    wallet.key.creditType(), now, available, wallet.balance));
        } else if (available > 0 && wallet.depleted) {
            wallet.depleted = false;
            wallet.walletDirty = true;
        }
    }

    private static long addOrReject(long balance, long units) {
        try {
            return Math.addExact(balance, units);
        } catch (ArithmeticException e) {
            throw new InvalidAmountException("the wallet's balance would overflow");
        }
    }

    private static long subtractOrReject(long balance, long units) {
        try {
            return Math.subtractExact(balance, units);
        } catch (ArithmeticException e) {
            throw new InvalidAmountException("the wallet's balance would overflow");
        }
    }

    private static String metadataOf(String metadataJson) {
        return metadataJson == null ? Json.EMPTY_OBJECT : metadataJson;
    }


    // ---- results

    public static GrantRecord grantRecord(WalletState wallet, GrantState grant) {
        CreditType type = wallet.type;
        return new GrantRecord(grant.id, grant.transactionId, wallet.key.customerId(),
                wallet.key.creditType(), type.amount(grant.amount), type.amount(grant.remaining),
                grant.source, grant.priority, grant.effectiveAt, grant.expiresAt, grant.status,
                grant.reason, Json.parseMetadata(grant.metadataJson), type.amount(wallet.balance),
                grant.costMinor == null ? null : new dev.credits.Money(grant.costMinor,
                        grant.costCurrency), grant.createdAt);
    }

    public static HoldRecord holdRecord(WalletState wallet, HoldState hold) {
        CreditType type = wallet.type;
        return new HoldRecord(hold.id, wallet.key.customerId(), wallet.key.creditType(),
                type.amount(hold.amount), type.amount(hold.captured), hold.status, hold.expiresAt,
                hold.transactionId, hold.feature, Json.parseMetadata(hold.metadataJson),
                hold.createdAt);
    }

    public static Transaction transaction(CreditType type, TransactionEntry e) {
        return new Transaction(e.id(), e.wallet().customerId(), e.wallet().creditType(), e.type(),
                e.source(), e.grantId(), e.holdId(), type.amount(e.amountUnits()),
                type.amount(e.balanceAfterUnits()), e.feature(), e.reason(),
                Json.parseMetadata(e.metadataJson()), e.createdAt(), e.effectiveAt(),
                allocations(type, e.allocations()), null, null);
    }

    public static WalletBalance walletBalance(WalletState wallet, Instant now) {
        CreditType type = wallet.type;
        OverdraftLimit limit = wallet.overdraftLimit();
        long paid = 0;
        long free = 0;
        for (GrantState grant : wallet.grants.values()) {
            if (grant.status == GrantStatus.ACTIVE) {
                if (grant.costMinor != null) {
                    paid = Math.addExact(paid, grant.remaining);
                } else {
                    free = Math.addExact(free, grant.remaining);
                }
            }
        }
        return new WalletBalance(wallet.key.customerId(), wallet.key.creditType(),
                type.amount(wallet.balance), type.amount(wallet.held),
                type.amount(wallet.available()), limit, now,
                amounts(type, wallet.alertThresholds()), type.amount(paid), type.amount(free));
    }

    /** Units as amounts of the credit type. */
    public static List<Amount> amounts(CreditType type, List<Long> units) {
        List<Amount> out = new ArrayList<>(units.size());
        for (long u : units) {
            out.add(type.amount(u));
        }
        return out;
    }

    public static List<Allocation> allocations(CreditType type, List<AllocationEntry> entries) {
        List<Allocation> out = new ArrayList<>(entries.size());
        for (AllocationEntry entry : entries) {
            out.add(new Allocation(entry.grantId(), type.amount(entry.units())));
        }
        return out;
    }
}
