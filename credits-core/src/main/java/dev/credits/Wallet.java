package dev.credits;

import dev.credits.internal.Command;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One customer's balance of one credit type. Cheap to obtain; holds no state of its own, so it
 * always reads and writes the database. Amounts are decimal strings in the type's scale.
 */
public final class Wallet {
    private final Credits credits;
    private final WalletKey key;
    private final CreditType type;

    Wallet(Credits credits, WalletKey key, CreditType type) {
        this.credits = credits;
        this.key = key;
        this.type = type;
    }

    public String customerId() {
        return key.customerId();
    }

    public CreditType creditType() {
        return type;
    }

    /** Adds credits. Throws {@link InvalidAmountException}, {@link ValidationException}. */
    public GrantRecord grant(Grant grant) {
        return credits.run(new Command.Grant(key, type.parsePositive(grant.amount())
                .units(), grant.source(), grant.priority(), grant.effectiveAt(), grant.expiresAt(),
                grant.reason(), Json.metadata(grant.metadata()),
                clientKey(grant.idempotencyKey()), grant.costBasis()));
    }

    /** Uses credits in burn-down order. Throws {@link InsufficientCreditsException}. */
    public SpendResult spend(Spend spend) {
        return credits.run(new Command.Spend(key,
                type.parsePositive(spend.amount()).units(), spend.feature(), spend.reason(),
                Json.metadata(spend.metadata()), clientKey(spend.idempotencyKey())));
    }

    /** An operator's signed correction; a negative one ignores the overdraft limit. */
    public Transaction adjust(String signedAmount, String reason, String idempotencyKey) {
        return credits.run(new Command.Adjust(key, type.parse(signedAmount).units(),
                reason, Json.EMPTY_OBJECT, clientKey(idempotencyKey)));
    }

    /** Reserves credits for {@code lifetime} (1 s to 24 h). */
    public Hold hold(String amount, Duration lifetime) {
        return hold(amount, lifetime, null, null);
    }

    public Hold hold(String amount, Duration lifetime, String feature, String idempotencyKey) {
        HoldRecord record = credits.run(new Command.Hold(key,
                type.parsePositive(amount).units(), lifetime.toSeconds(), feature,
                Json.EMPTY_OBJECT, clientKey(idempotencyKey)));
        return new Hold(credits, record);
    }

    public WalletBalance state() {
        return credits.readWallet(key);
    }

    public Amount balance() {
        return state().balance();
    }

    public Amount available() {
        return state().available();
    }

    /** True when a spend of {@code amount} would succeed now (available plus overdraft). */
    public boolean canSpend(String amount) {
        long units = type.parsePositive(amount).units();
        WalletBalance state = state();
        return state.overdraftLimit().permits(state.available().units() - units);
    }

    /** The balance as it stood at {@code at}. */
    public Amount balanceAt(Instant at) {
        Instant when = requireTime(at);
        credits.activateDue(key.customerId(), key.creditType());
        return credits.store().balanceAt(key, when, credits.now());
    }

    /** The wallet as it stood at {@code at}: balance, held and available then. */
    public WalletBalance stateAt(Instant at) {
        Instant when = requireTime(at);
        credits.activateDue(key.customerId(), key.creditType());
        return credits.store().walletAt(key, when, credits.now());
    }

    /** Sets this wallet's overdraft limit; null returns to the credit type's default. */
    public WalletBalance setOverdraftLimit(OverdraftLimit limit) {
        return credits.run(new Command.SetOverdraftLimit(key, limit));
    }

    /**
     * Sets this wallet's balance alert thresholds (decimal amounts; null returns to the credit
     * type's): {@code balance.low} fires once when {@code available} crosses below one of them.
     */
    public WalletBalance setAlertThresholds(List<String> thresholds) {
        List<Long> units = null;
        if (thresholds != null) {
            units = new java.util.ArrayList<>();
            for (String threshold : thresholds) {
                Amount amount = type.parse(threshold);
                if (amount.units() < 0) {
                    throw new ValidationException("alert_thresholds", "must not be negative");
                }
                units.add(amount.units());
            }
        }
        return credits.run(new Command.ConfigureWallet(key, false, null, true, units));
    }

    public HistoryPage history(History query) {
        return credits.history(key.customerId(), query.creditType(type.id()));
    }

    private static Instant requireTime(Instant at) {
        if (at == null) {
            throw new ValidationException("at", "is required");
        }
        return Times.require("at", at);
    }

    /** A caller's key; the keys credits derives for itself are not a caller's to send. */
    static String clientKey(String idempotencyKey) {
        return IdempotencyKeys.requireClient("idempotency_key", idempotencyKey);
    }
}
