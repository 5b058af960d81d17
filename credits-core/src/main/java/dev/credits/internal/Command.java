package dev.credits.internal;

import dev.credits.CustomerIds;
import dev.credits.GrantSource;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidAmountException;
import dev.credits.OverdraftLimit;
import dev.credits.Times;
import dev.credits.ValidationException;
import java.time.Instant;

/**
 * A mutation of one wallet, as data. Commands are validated when built (a bad field is a typed
 * exception before anything is read or written); rules that depend on the wallet's state or on
 * the time are checked by {@link LedgerMachine}.
 *
 * <p>Commands addressed by a grant or hold id ({@link Capture}, {@link Release},
 * {@link VoidGrant}) learn their wallet from storage.
 */
public sealed interface Command {
    int PRIORITY_MIN = 0;
    int PRIORITY_MAX = 100;
    int PRIORITY_DEFAULT = 50;
    long HOLD_LIFETIME_SECONDS_MIN = 1;
    long HOLD_LIFETIME_SECONDS_MAX = 86_400;
    long HOLD_LIFETIME_SECONDS_DEFAULT = 900;
    int IDEMPOTENCY_KEY_LENGTH_MAX = IdempotencyKeys.LENGTH_MAX;
    int TEXT_LENGTH_MAX = 1_000;
    int FEATURE_LENGTH_MAX = 128;

    /** The client-chosen key that makes a retry safe; null for none. */
    String idempotencyKey();

    /** The wallet this command changes, or null when it is addressed by a grant or hold id. */
    WalletKey wallet();

    record Grant(WalletKey wallet, long amountUnits, GrantSource source, int priority,
                 Instant effectiveAt, Instant expiresAt, String reason, String metadataJson,
                 String idempotencyKey) implements Command {
        public Grant {
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
    }

    record Spend(WalletKey wallet, long amountUnits, String feature, String reason,
                 String metadataJson, String idempotencyKey) implements Command {
        public Spend {
            requireWallet(wallet);
            requirePositive(amountUnits);
            requireText("feature", feature, FEATURE_LENGTH_MAX);
            requireText("reason", reason, TEXT_LENGTH_MAX);
            requireKey(idempotencyKey);
        }
    }

    /** An operator's signed correction; positive behaves as a grant, negative ignores overdraft. */
    record Adjust(WalletKey wallet, long amountUnits, String reason, String metadataJson,
                  String idempotencyKey) implements Command {
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
    }

    record Hold(WalletKey wallet, long amountUnits, long lifetimeSeconds, String feature,
                String metadataJson, String idempotencyKey) implements Command {
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
    }

    record Capture(String holdId, long amountUnits, String idempotencyKey) implements Command {
        public Capture {
            requireId("hold", holdId);
            requirePositive(amountUnits);
            requireKey(idempotencyKey);
        }

        @Override
        public WalletKey wallet() {
            return null;
        }
    }

    record Release(String holdId, String idempotencyKey) implements Command {
        public Release {
            requireId("hold", holdId);
            requireKey(idempotencyKey);
        }

        @Override
        public WalletKey wallet() {
            return null;
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
                     Long expectedRemainingUnits, Long amountUnits) implements Command {
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
        public WalletKey wallet() {
            return null;
        }
    }

    /** Sets the wallet's own overdraft limit; null returns to the credit type's default. */
    record SetOverdraftLimit(WalletKey wallet, OverdraftLimit limit) implements Command {
        public SetOverdraftLimit {
            requireWallet(wallet);
        }

        @Override
        public String idempotencyKey() {
            return null;
        }
    }

    /** Records due expiries of grants and holds; what the sweeper runs. */
    record Sweep(WalletKey wallet) implements Command {
        public Sweep {
            requireWallet(wallet);
        }

        @Override
        public String idempotencyKey() {
            return null;
        }
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
        if (id == null || id.isEmpty() || id.length() > 64) {
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
