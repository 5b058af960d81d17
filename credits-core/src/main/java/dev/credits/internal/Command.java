package dev.credits.internal;

import dev.credits.CustomerIds;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.HoldRecord;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidAmountException;
import dev.credits.NotFoundException;
import dev.credits.OverdraftLimit;
import dev.credits.SpendResult;
import dev.credits.Times;
import dev.credits.Transaction;
import dev.credits.ValidationException;
import dev.credits.WalletBalance;
import java.time.Instant;
import java.util.List;

/**
 * A mutation of one wallet, as data, typed by its result {@code R}. Commands are validated when
 * built (a bad field is a typed exception before anything is read or written); rules that depend
 * on the wallet's state or on the time are {@link LedgerMachine}'s, which each command names in
 * {@link #applyTo}. Each says what it changes ({@link #target}: its wallet, or the hold or grant
 * whose wallet storage finds), what it returns ({@link #resultType}) and what makes a retry the
 * same request ({@link #fingerprint}).
 */
public sealed interface Command<R> {
    int PRIORITY_MIN = 0;
    int PRIORITY_MAX = 100;
    int PRIORITY_DEFAULT = 50;
    long HOLD_LIFETIME_SECONDS_MIN = 1;
    long HOLD_LIFETIME_SECONDS_MAX = 86_400;
    long HOLD_LIFETIME_SECONDS_DEFAULT = 900;
    int IDEMPOTENCY_KEY_LENGTH_MAX = IdempotencyKeys.LENGTH_MAX;
    int TEXT_LENGTH_MAX = 1_000;
    int FEATURE_LENGTH_MAX = 128;
    /** The longest grant or hold id a command may name. */
    int ID_LENGTH_MAX = 64;

    /** The client-chosen key that makes a retry safe; null for none. */
    String idempotencyKey();

    /** What this command changes: a wallet, or the wallet of a hold or grant. */
    Target target();

    /** The type of what {@link #applyTo} returns (and a replay answers). */
    Class<R> resultType();

    /** The canonical, versioned encoding of every field but the key; see {@link Fingerprint}. */
    String fingerprint();

    /** This command's rule, applied to the locked state of its wallet at {@code now}. */
    R applyTo(WalletState wallet, Instant now);

    /** True when the wallet is written even if the command changed nothing (a sweep). */
    default boolean alwaysWritten() {
        return false;
    }

    /**
     * What a command changes. A command given by hold or grant id learns its wallet from storage
     * ({@link LedgerBatch#targets}); if there is none, it fails with {@link #notFound()}.
     */
    record Target(Kind kind, WalletKey wallet, String id) {
        public enum Kind { WALLET, HOLD, GRANT }

        static Target of(WalletKey wallet) {
            return new Target(Kind.WALLET, wallet, null);
        }

        static Target hold(String id) {
            return new Target(Kind.HOLD, null, id);
        }

        static Target grant(String id) {
            return new Target(Kind.GRANT, null, id);
        }

        /** What the group committer routes by, so one wallet's (or hold's) commands queue together. */
        public Object routingKey() {
            return kind == Kind.WALLET ? wallet : id;
        }

        /** The failure of a command whose hold or grant does not exist. */
        public NotFoundException notFound() {
            return switch (kind) {
                case HOLD -> new NotFoundException("hold " + id + " not found");
                case GRANT -> new NotFoundException("grant " + id + " not found");
                case WALLET -> throw new IllegalStateException("a wallet always exists");
            };
        }
    }

    /**
     * A grant. {@code costBasis}: what the customer paid for it (null for none: a promotion, an
     * allowance); its shares are recognized as the credits are used, expire or are voided.
     */
    record Grant(WalletKey wallet, long amountUnits, GrantSource source, int priority,
                 Instant effectiveAt, Instant expiresAt, String reason, String metadataJson,
                 String idempotencyKey, dev.credits.Money costBasis)
            implements Command<GrantRecord> {
        public Grant(WalletKey wallet, long amountUnits, GrantSource source, int priority,
                     Instant effectiveAt, Instant expiresAt, String reason, String metadataJson,
                     String idempotencyKey) {
            this(wallet, amountUnits, source, priority, effectiveAt, expiresAt, reason,
                    metadataJson, idempotencyKey, null);
        }

        public Grant {
            if (costBasis != null && costBasis.minor() < 0) {
                throw new dev.credits.InvalidAmountException("cost_basis must not be negative");
            }
            requireWallet(wallet);
            requirePositive(amountUnits);
            effectiveAt = Times.require("effective_at", effectiveAt);
            expiresAt = Times.require("expires_at", expiresAt);
            if (source == null) {
                throw new ValidationException("source", "is required");
            }
            if (priority < PRIORITY_MIN || priority > PRIORITY_MAX) {
                throw new ValidationException("priority",
                        "must be " + PRIORITY_MIN + ".." + PRIORITY_MAX + ", was " + priority);
            }
            if (effectiveAt != null && expiresAt != null && !expiresAt.isAfter(effectiveAt)) {
                throw new ValidationException("expires_at", "must be after effective_at");
            }
            requireText("reason", reason, TEXT_LENGTH_MAX);
            requireKey(idempotencyKey);
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<GrantRecord> resultType() {
            return GrantRecord.class;
        }

        @Override
        public String fingerprint() {
            Fingerprint f = walletFields("grant", wallet).field("amount", amountUnits)
                    .field("source", source).field("priority", priority)
                    .field("effective_at", effectiveAt).field("expires_at", expiresAt)
                    .field("reason", reason).field("metadata", metadataJson);
            // Only when given, so that a grant without one keeps the fingerprint it had.
            return costBasis == null ? f.done() : f.field("cost_basis", costBasis.minor() + " "
                    + costBasis.currency()).done();
        }

        @Override
        public GrantRecord applyTo(WalletState state, Instant now) {
            return LedgerMachine.grant(state, this, now);
        }
    }

    record Spend(WalletKey wallet, long amountUnits, String feature, String reason,
                 String metadataJson, String idempotencyKey) implements Command<SpendResult> {
        public Spend {
            requireWallet(wallet);
            requirePositive(amountUnits);
            requireText("feature", feature, FEATURE_LENGTH_MAX);
            requireText("reason", reason, TEXT_LENGTH_MAX);
            requireKey(idempotencyKey);
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<SpendResult> resultType() {
            return SpendResult.class;
        }

        @Override
        public String fingerprint() {
            return walletFields("spend", wallet).field("amount", amountUnits)
                    .field("feature", feature).field("reason", reason)
                    .field("metadata", metadataJson).done();
        }

        @Override
        public SpendResult applyTo(WalletState state, Instant now) {
            return LedgerMachine.spend(state, this, now);
        }
    }

    /** An operator's signed correction; positive behaves as a grant, negative ignores overdraft. */
    record Adjust(WalletKey wallet, long amountUnits, String reason, String metadataJson,
                  String idempotencyKey) implements Command<Transaction> {
        public Adjust {
            requireWallet(wallet);
            if (amountUnits == 0) {
                throw new InvalidAmountException("adjustment amount must not be zero");
            }
            if (reason == null || reason.isBlank()) {
                throw new ValidationException("reason", "is required for an adjustment");
            }
            requireText("reason", reason, TEXT_LENGTH_MAX);
            requireKey(idempotencyKey);
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<Transaction> resultType() {
            return Transaction.class;
        }

        @Override
        public String fingerprint() {
            return walletFields("adjust", wallet).field("amount", amountUnits)
                    .field("reason", reason).field("metadata", metadataJson).done();
        }

        @Override
        public Transaction applyTo(WalletState state, Instant now) {
            return LedgerMachine.adjust(state, this, now);
        }
    }

    record Hold(WalletKey wallet, long amountUnits, long lifetimeSeconds, String feature,
                String metadataJson, String idempotencyKey) implements Command<HoldRecord> {
        public Hold {
            requireWallet(wallet);
            requirePositive(amountUnits);
            if (lifetimeSeconds < HOLD_LIFETIME_SECONDS_MIN
                    || lifetimeSeconds > HOLD_LIFETIME_SECONDS_MAX) {
                throw new ValidationException("expires_in_seconds", "must be "
                        + HOLD_LIFETIME_SECONDS_MIN + ".." + HOLD_LIFETIME_SECONDS_MAX);
            }
            requireText("feature", feature, FEATURE_LENGTH_MAX);
            requireKey(idempotencyKey);
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<HoldRecord> resultType() {
            return HoldRecord.class;
        }

        @Override
        public String fingerprint() {
            return walletFields("hold", wallet).field("amount", amountUnits)
                    .field("lifetime_seconds", lifetimeSeconds).field("feature", feature)
                    .field("metadata", metadataJson).done();
        }

        @Override
        public HoldRecord applyTo(WalletState state, Instant now) {
            return LedgerMachine.hold(state, this, now);
        }
    }

    record Capture(String holdId, long amountUnits, String idempotencyKey)
            implements Command<HoldRecord> {
        public Capture {
            requireId("hold", holdId);
            requirePositive(amountUnits);
            requireKey(idempotencyKey);
        }

        @Override
        public Target target() {
            return Target.hold(holdId);
        }

        @Override
        public Class<HoldRecord> resultType() {
            return HoldRecord.class;
        }

        @Override
        public String fingerprint() {
            return Fingerprint.of("capture").field("hold", holdId).field("amount", amountUnits)
                    .done();
        }

        @Override
        public HoldRecord applyTo(WalletState state, Instant now) {
            return LedgerMachine.capture(state, this, now);
        }
    }

    record Release(String holdId, String idempotencyKey) implements Command<HoldRecord> {
        public Release {
            requireId("hold", holdId);
            requireKey(idempotencyKey);
        }

        @Override
        public Target target() {
            return Target.hold(holdId);
        }

        @Override
        public Class<HoldRecord> resultType() {
            return HoldRecord.class;
        }

        @Override
        public String fingerprint() {
            return Fingerprint.of("release").field("hold", holdId).done();
        }

        @Override
        public HoldRecord applyTo(WalletState state, Instant now) {
            return LedgerMachine.release(state, this, now);
        }
    }

    /**
     * Voids a grant. With {@code expectedRemainingUnits}, only if the grant still has exactly
     * that much left (else {@link dev.credits.InvalidStateException}): for a caller that decided
     * what to give back from a remaining it read before. With {@code amountUnits}, takes back at
     * most that much of the remaining, and the grant stays active with the rest: how a plan
     * change takes back the share of an allowance that belongs to the rest of the period.
     */
    record VoidGrant(String grantId, String reason, String idempotencyKey,
                     Long expectedRemainingUnits, Long amountUnits)
            implements Command<GrantRecord> {
        public VoidGrant {
            requireId("grant", grantId);
            requireText("reason", reason, TEXT_LENGTH_MAX);
            requireKey(idempotencyKey);
            if (amountUnits != null) {
                requirePositive(amountUnits);
            }
        }

        public VoidGrant(String grantId, String reason, String idempotencyKey) {
            this(grantId, reason, idempotencyKey, null, null);
        }

        @Override
        public Target target() {
            return Target.grant(grantId);
        }

        @Override
        public Class<GrantRecord> resultType() {
            return GrantRecord.class;
        }

        @Override
        public String fingerprint() {
            return Fingerprint.of("void").field("grant", grantId).field("reason", reason)
                    .field("expected_remaining", expectedRemainingUnits)
                    .field("amount", amountUnits).done();
        }

        @Override
        public GrantRecord applyTo(WalletState state, Instant now) {
            return LedgerMachine.voidGrant(state, this, now);
        }
    }

    /** Sets the wallet's own overdraft limit; null returns to the credit type's default. */
    record SetOverdraftLimit(WalletKey wallet, OverdraftLimit limit)
            implements Command<WalletBalance> {
        public SetOverdraftLimit {
            requireWallet(wallet);
        }

        @Override
        public String idempotencyKey() {
            return null;
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<WalletBalance> resultType() {
            return WalletBalance.class;
        }

        @Override
        public String fingerprint() {
            return walletFields("set_overdraft_limit", wallet)
                    .field("unlimited", limit == null ? null : String.valueOf(limit.unlimited()))
                    .field("limit", limit == null ? null : limit.units()).done();
        }

        @Override
        public WalletBalance applyTo(WalletState state, Instant now) {
            return LedgerMachine.setOverdraftLimit(state, this, now);
        }
    }

    /**
     * Changes a wallet's settings at once: its overdraft limit when {@code setsOverdraft}, its
     * alert thresholds (highest first; null returns to the credit type's) when
     * {@code setsAlertThresholds}.
     */
    record ConfigureWallet(WalletKey wallet, boolean setsOverdraft, OverdraftLimit overdraftLimit,
                           boolean setsAlertThresholds, List<Long> alertThresholdUnits)
            implements Command<WalletBalance> {
        public ConfigureWallet {
            requireWallet(wallet);
            if (!setsOverdraft && !setsAlertThresholds) {
                throw new ValidationException("overdraft_limit", "give overdraft_limit,"
                        + " alert_thresholds, or both");
            }
            if (alertThresholdUnits != null) {
                try {
                    alertThresholdUnits = dev.credits.CreditType.requireThresholds(
                            alertThresholdUnits);
                } catch (IllegalArgumentException e) {
                    throw new ValidationException("alert_thresholds", e.getMessage());
                }
            }
        }

        @Override
        public String idempotencyKey() {
            return null;
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<WalletBalance> resultType() {
            return WalletBalance.class;
        }

        @Override
        public String fingerprint() {
            return walletFields("configure_wallet", wallet)
                    .field("overdraft", setsOverdraft ? String.valueOf(overdraftLimit) : null)
                    .field("alert_thresholds", setsAlertThresholds
                            ? String.valueOf(alertThresholdUnits) : null).done();
        }

        @Override
        public WalletBalance applyTo(WalletState state, Instant now) {
            return LedgerMachine.configureWallet(state, this, now);
        }
    }

    /** Records due expiries of grants and holds; what the sweeper runs. Returns nothing. */
    record Sweep(WalletKey wallet) implements Command<Void> {
        public Sweep {
            requireWallet(wallet);
        }

        @Override
        public String idempotencyKey() {
            return null;
        }

        @Override
        public Target target() {
            return Target.of(wallet);
        }

        @Override
        public Class<Void> resultType() {
            return Void.class;
        }

        @Override
        public String fingerprint() {
            return walletFields("sweep", wallet).done();
        }

        @Override
        public Void applyTo(WalletState state, Instant now) {
            return null; // what is due was settled before any command
        }

        @Override
        public boolean alwaysWritten() {
            return true; // its expiries are written even if nothing else is
        }
    }

    private static Fingerprint walletFields(String request, WalletKey wallet) {
        return Fingerprint.of(request).field("customer", wallet.customerId())
                .field("credit_type", wallet.creditType());
    }

    private static void requireWallet(WalletKey wallet) {
        if (wallet == null) {
            throw new IllegalArgumentException("wallet is required");
        }
        CustomerIds.requireValid(wallet.customerId());
    }

    private static void requirePositive(long units) {
        if (units <= 0) {
            throw new InvalidAmountException("amount must be greater than zero");
        }
    }

    private static void requireText(String field, String text, int lengthMax) {
        if (text != null && text.length() > lengthMax) {
            throw new ValidationException(field, "must be at most " + lengthMax + " characters");
        }
        Json.requireText(field, text);
    }

    private static void requireId(String kind, String id) {
        if (id == null || id.isEmpty() || id.length() > ID_LENGTH_MAX) {
            throw new ValidationException(kind + "_id", "is required");
        }
    }

    /** A caller's key (1–255 printable ASCII characters) or one the server derived. */
    static void requireKey(String key) {
        if (key != null && !IdempotencyKeys.isDerived(key)) {
            IdempotencyKeys.requireClient("idempotency_key", key);
        }
    }
}
