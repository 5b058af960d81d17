package dev.credits;

import dev.credits.internal.Command;
import dev.credits.internal.EventDispatcher;
import dev.credits.internal.Executed;
import dev.credits.internal.GroupCommitter;
import dev.credits.internal.Invariants;
import dev.credits.internal.WalletKey;
import dev.credits.spi.LedgerStore;
import dev.credits.spi.LedgerStore.BatchResult;
import dev.credits.spi.LedgerStore.Outcome;
import dev.credits.spi.LedgerStoreProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger. Open one per process and share it; it is thread-safe.
 * <pre>{@code
 * try (Credits credits = Credits.open(CreditsConfig.defaults())) {
 *     Wallet w = credits.wallet("user_42", "credits");
 *     w.grant(Grant.of("100.00").idempotencyKey("pay_123"));
 *     w.spend(Spend.of("10.00").feature("chat"));
 * }
 * }</pre>
 */
public final class Credits implements AutoCloseable {
    /** Idempotency keys are kept at least this long. */
    public static final Duration IDEMPOTENCY_RETENTION = Duration.ofDays(30);
    /** Reads of a wallet that activate its due scheduled grants before giving up on doing so. */
    static final int ACTIVATION_ATTEMPTS_MAX = 3;
    static final int SWEEP_WALLETS_MAX = 500;
    private static final Logger LOG = LoggerFactory.getLogger(Credits.class);

    private final LedgerStore store;
    private final CreditTypes types;
    private final Clock clock;
    private final EventDispatcher events;
    private final GroupCommitter committer; // null: one transaction per command
    private final ScheduledExecutorService sweeper;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Credits(LedgerStore store, CreditsConfig config) {
        this.store = store;
        this.types = config.creditTypes();
        this.clock = config.clock();
        this.events = new EventDispatcher(store, clock);
        this.committer = config.groupCommit() ? new GroupCommitter(store, clock, events::publish,
                config.groupCommitQueueCommandsMax())
                : null;
        if (config.sweepIntervalMs() > 0) {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "credits-sweeper");
                thread.setDaemon(true);
                return thread;
            });
            sweeper.scheduleWithFixedDelay(this::sweepQuietly, config.sweepIntervalMs(),
                    config.sweepIntervalMs(), TimeUnit.MILLISECONDS);
        } else {
            sweeper = null;
        }
    }

    /** Opens the ledger with the storage found on the class path (credits-postgres). */
    public static Credits open(CreditsConfig config) {
        LedgerStoreProvider provider = ServiceLoader.load(LedgerStoreProvider.class).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no ledger storage on the class path; add credits-postgres"));
        return new Credits(provider.open(config), config);
    }

    /** Opens the ledger on a given store; the store is closed with the ledger. */
    public static Credits open(CreditsConfig config, LedgerStore store) {
        return new Credits(store, config);
    }

    public Wallet wallet(String customerId, String creditType) {
        CustomerIds.requireValid(customerId);
        CreditType type = types.require(creditType);
        return new Wallet(this, new WalletKey(customerId, type.id()), type);
    }

    /** Every configured credit type's wallet of a customer; unknown customers read as zero. */
    public List<WalletBalance> wallets(String customerId) {
        CustomerIds.requireValid(customerId);
        List<WalletBalance> out = new ArrayList<>();
        for (CreditType type : types.all()) {
            out.add(readWallet(new WalletKey(customerId, type.id())));
        }
        return out;
    }

    /**
     * The wallet now, its scheduled grants that have become effective activated first. If they
     * cannot be (the write queue is full), the balance of its recorded entries is read instead.
     */
    WalletBalance readWallet(WalletKey key) {
        for (int attempt = 1; ; attempt++) {
            WalletBalance balance = store.wallet(key, now());
            if (balance != null) {
                return balance;
            }
            if (attempt > ACTIVATION_ATTEMPTS_MAX || !activate(key)) {
                return store.walletAt(key, now(), now());
            }
        }
    }

    /**
     * Activates the customer's scheduled grants (of {@code creditType}, or of every type when it
     * is null) that have become effective, so that a read sees them as a sweep would have.
     */
    void activateDue(String customerId, String creditType) {
        for (WalletKey key : store.walletsToActivate(customerId, creditType, now())) {
            activate(key);
        }
    }

    /** Sweeps one wallet for a read; false when the write queue pushed back. */
    private boolean activate(WalletKey key) {
        try {
            run(new Command.Sweep(key));
            return true;
        } catch (OverloadedException e) {
            LOG.debug("a read could not activate the due grants of {}", key, e);
            return false;
        }
    }

    /**
     * Executes a command: its result, and whether it was an idempotent replay. Throws the
     * command's typed failure (a {@link CreditsException}) with the caller's stack. For this
     * project's modules, which build commands themselves (with a derived idempotency key, say);
     * applications use {@link Wallet} and the methods here.
     */
    public <R> Executed<R> execute(Command<R> command) {
        Outcome outcome;
        if (committer != null) {
            outcome = committer.submit(command);
        } else {
            BatchResult batch = store.execute(List.of(command), now());
            events.publish(batch.events());
            outcome = batch.outcomes().get(0);
        }
        if (outcome.error() != null) {
            // The error was made on a committer thread; give the caller its own stack.
            outcome.error().fillInStackTrace();
            throw outcome.error();
        }
        return new Executed<>(command.resultType().cast(outcome.result()), outcome.replayed());
    }

    /** Executes a command and returns its result; see {@link #execute}. */
    public <R> R run(Command<R> command) {
        return execute(command).result();
    }

    public GrantRecord voidGrant(String grantId, String reason, String idempotencyKey) {
        return run(new Command.VoidGrant(grantId, reason,
                Wallet.clientKey(idempotencyKey)));
    }

    /**
     * Voids a grant only if it still has exactly {@code expectedRemaining} left, else throws
     * {@link InvalidStateException} and changes nothing: for a caller that computed what to give
     * back from a remaining it read earlier, which a spend may have changed since.
     */
    public GrantRecord voidGrantIfRemaining(String grantId, Amount expectedRemaining,
                                            String reason) {
        if (expectedRemaining == null) {
            throw new ValidationException("expected_remaining", "is required");
        }
        return run(new Command.VoidGrant(grantId, reason, null,
                expectedRemaining.units(), null));
    }

    public HoldRecord capture(String holdId, String amount, String idempotencyKey) {
        HoldRecord hold = requireHold(holdId);
        long units = types.require(hold.creditType()).parsePositive(amount).units();
        return run(new Command.Capture(holdId, units,
                Wallet.clientKey(idempotencyKey)));
    }

    public HoldRecord release(String holdId, String idempotencyKey) {
        return run(new Command.Release(holdId,
                Wallet.clientKey(idempotencyKey)));
    }

    public HoldRecord hold(String holdId) {
        return requireHold(holdId);
    }

    private HoldRecord requireHold(String holdId) {
        HoldRecord hold = holdId == null ? null : store.hold(holdId, now());
        if (hold == null) {
            throw new NotFoundException("hold " + holdId + " not found");
        }
        return hold;
    }

    public GrantRecord grant(String grantId) {
        GrantRecord grant = grantId == null ? null : store.grant(grantId, now());
        if (grant == null) {
            throw new NotFoundException("grant " + grantId + " not found");
        }
        if (grant.status() == GrantStatus.SCHEDULED && !grant.effectiveAt().isAfter(now())) {
            activateDue(grant.customerId(), grant.creditType());
            grant = store.grant(grantId, now());
        }
        return grant;
    }

    /** Active grants in burn-down order, or all grants; {@code creditType} null for every type. */
    public List<GrantRecord> grants(String customerId, String creditType, boolean all) {
        CustomerIds.requireValid(customerId);
        if (creditType != null) {
            types.require(creditType);
        }
        activateDue(customerId, creditType);
        return store.grants(customerId, creditType, all, now());
    }

    /** The largest page of {@link #holds} and {@link #customers}. */
    public static final int LIST_LIMIT_MAX = 500;
    /** The longest span {@link #usageByDay} sums. */
    public static final Duration USAGE_SPAN_MAX = Duration.ofDays(400);

    /**
     * The newest {@code limit} (1..{@value #LIST_LIMIT_MAX}) holds of a customer, of every
     * status, newest first; one past its expiry reads as expired.
     */
    public List<HoldRecord> holds(String customerId, int limit) {
        CustomerIds.requireValid(customerId);
        requireLimit(limit);
        return store.holds(customerId, limit, now());
    }

    /**
     * What a customer used in {@code [from, to)} (at most {@link #USAGE_SPAN_MAX}), summed per
     * UTC day, credit type and feature, oldest first: the portal's chart and runway.
     */
    public List<UsageDay> usageByDay(String customerId, Instant from, Instant to) {
        CustomerIds.requireValid(customerId);
        if (from == null || to == null || !to.isAfter(from)) {
            throw new ValidationException("to", "must be after from");
        }
        if (Duration.between(from, to).compareTo(USAGE_SPAN_MAX) > 0) {
            throw new ValidationException("from", "the span may be at most "
                    + USAGE_SPAN_MAX.toDays() + " days");
        }
        return store.usageByDay(customerId, from, to);
    }

    /**
     * Up to {@code limit} (1..{@value #LIST_LIMIT_MAX}) ids of customers that have a wallet and
     * start with {@code prefix} (empty: every customer), in order: an operator's search.
     */
    public List<String> customers(String prefix, int limit) {
        if (prefix == null || prefix.length() > CustomerIds.LENGTH_MAX) {
            throw new ValidationException("prefix", "must be at most " + CustomerIds.LENGTH_MAX
                    + " characters");
        }
        requireLimit(limit);
        return store.customers(prefix, limit);
    }

    private static void requireLimit(int limit) {
        if (limit < 1 || limit > LIST_LIMIT_MAX) {
            throw new ValidationException("limit", "must be 1.." + LIST_LIMIT_MAX);
        }
    }

    public HistoryPage history(String customerId, History query) {
        CustomerIds.requireValid(customerId);
        if (query.creditType() != null) {
            types.require(query.creditType());
        }
        activateDue(customerId, query.creditType());
        return store.history(customerId, query);
    }

    /**
     * The deferred-revenue roll-forward of {@code currency} over {@code [from, to)}, of one
     * customer and one credit type when they are not null. Throws {@link ValidationException}
     * for a period that does not end after it starts, {@link InvalidAmountException} for a
     * currency that is not a lower-case ISO 4217 code, {@link UnknownCreditTypeException}.
     */
    public RevenueReport revenue(Instant from, Instant to, String currency, String customerId,
                                 String creditType) {
        Instant start = Times.require("from", from);
        Instant end = Times.require("to", to);
        if (start == null || end == null) {
            throw new ValidationException(start == null ? "from" : "to", "is required");
        }
        if (!end.isAfter(start)) {
            throw new ValidationException("to", "must be after from");
        }
        Money.digits(currency);
        if (customerId != null) {
            CustomerIds.requireValid(customerId);
        }
        if (creditType != null) {
            types.require(creditType);
        }
        // What fell due (an expiry is breakage) is recorded first, so that a period that has
        // ended reads the same now as later.
        sweep();
        dev.credits.spi.RevenueTotals t = store.revenue(currency, start, end, customerId,
                creditType);
        if (!t.balances()) {
            throw new IllegalStateException("the revenue roll-forward of " + currency
                    + " does not balance: " + t);
        }
        return report(currency, start, end, customerId, creditType, t);
    }

    /**
     * {@link #revenue} for each calendar month (UTC) of {@code [from, to)}, the first and last
     * cut at the bounds: the opening is read once and rolled forward with each month's own
     * figures; the last closing is checked against the closing read on its own.
     */
    public java.util.List<RevenueReport> revenueByMonth(Instant from, Instant to,
                                                         String currency, String customerId,
                                                         String creditType) {
        RevenueReport whole = revenue(from, to, currency, customerId, creditType);
        java.util.List<RevenueReport> months = new java.util.ArrayList<>();
        long opening = whole.openingDeferred().minor();
        Instant start = whole.from();
        while (start.isBefore(whole.to())) {
            Instant next = start.atZone(java.time.ZoneOffset.UTC).toLocalDate().withDayOfMonth(1)
                    .plusMonths(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            Instant end = next.isBefore(whole.to()) ? next : whole.to();
            dev.credits.spi.RevenueTotals within = store.revenueWithin(currency, start, end,
                    customerId, creditType);
            long closing = opening + within.purchased() - within.recognized()
                    - within.breakage() - within.refunded();
            months.add(report(currency, start, end, customerId, creditType,
                    new dev.credits.spi.RevenueTotals(opening, within.purchased(),
                            within.recognized(), within.breakage(), within.refunded(), closing)));
            opening = closing;
            start = end;
        }
        if (opening != whole.closingDeferred().minor()) {
            throw new IllegalStateException("the monthly roll-forward of " + currency
                    + " ends at " + opening + ", not " + whole.closingDeferred().minor());
        }
        return months;
    }

    private static RevenueReport report(String currency, Instant from, Instant to,
                                        String customerId, String creditType,
                                        dev.credits.spi.RevenueTotals t) {
        return new RevenueReport(currency, from, to, customerId, creditType,
                new Money(t.openingDeferred(), currency), new Money(t.purchased(), currency),
                new Money(t.recognized(), currency), new Money(t.breakage(), currency),
                new Money(t.refunded(), currency), new Money(t.closingDeferred(), currency));
    }

    /** Checks every ledger invariant; see {@link VerifyReport}. */
    public VerifyReport verify() {
        return store.verify();
    }

    /**
     * Records every due expiry of grants and holds now, and forgets idempotency keys past their
     * retention. Safe to run in several processes at once. Returns the wallets swept.
     */
    public int sweep() {
        int swept = 0;
        while (true) {
            List<WalletKey> due = store.walletsDueForSweep(now(), SWEEP_WALLETS_MAX);
            for (WalletKey key : due) {
                sweep(key);
            }
            swept += due.size();
            if (due.size() < SWEEP_WALLETS_MAX) {
                break;
            }
        }
        store.deleteIdempotencyKeysBefore(now().minus(IDEMPOTENCY_RETENTION));
        return swept;
    }

    /**
     * Sweeps one wallet. Its own failure is logged and the sweep goes on (the next one tries it
     * again); a full queue or a storage outage stops the whole sweep.
     */
    private void sweep(WalletKey key) {
        try {
            run(new Command.Sweep(key));
        } catch (OverloadedException | StorageUnavailableException e) {
            throw e;
        } catch (CreditsException e) {
            LOG.warn("sweeping {} failed; the next sweep retries it", key, e);
        }
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.warn("expiry sweep failed; will retry", e);
        }
    }

    public CreditsEvents events() {
        return events;
    }

    public CreditTypes creditTypes() {
        return types;
    }

    public Clock clock() {
        return clock;
    }

    /** The store, for {@link Wallet}'s reads. */
    LedgerStore store() {
        return store;
    }

    /** Now, to the microsecond (what the database keeps). */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * How many batches a broken ledger invariant (see {@code verify}) has failed in this process;
     * each failed without writing anything, and should be zero. For monitoring.
     */
    public long invariantViolations() {
        return Invariants.brokenCount();
    }

    public boolean isHealthy() {
        return store.isHealthy();
    }

    /** Stops the sweeper, commits what is queued, stops event delivery, closes the store; once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (committer != null) {
            committer.close();
        }
        events.close();
        store.close();
    }
}
