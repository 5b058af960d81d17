package dev.credits;

import java.time.Instant;
import java.util.Map;

/**
 * A request to add credits: {@code Grant.of("100.00").source(PURCHASE).expiresAt(t)}.
 * Immutable; each method returns a copy. The amount is parsed in the wallet's scale.
 */
public record Grant(String amount, GrantSource source, int priority, Instant effectiveAt,
                    Instant expiresAt, String reason, Map<String, ?> metadata,
                    String idempotencyKey, Money costBasis) {

    public Grant(String amount, GrantSource source, int priority, Instant effectiveAt,
                 Instant expiresAt, String reason, Map<String, ?> metadata,
                 String idempotencyKey) {
        this(amount, source, priority, effectiveAt, expiresAt, reason, metadata, idempotencyKey,
                null);
    }

    public static Grant of(String amount) {
        return new Grant(amount, GrantSource.PURCHASE, 50, null, null, null, null, null, null);
    }

    /**
     * What the customer paid for these credits, e.g. {@code Money.parse("9.00", "usd")}; its
     * shares are recognized as they are used, expire or are voided (docs/revenue.md). None for
     * a promotion or an allowance.
     */
    public Grant costBasis(Money value) {
        return new Grant(amount, source, priority, effectiveAt, expiresAt, reason, metadata,
                idempotencyKey, value);
    }

    public Grant source(GrantSource value) {
        return new Grant(amount, value, priority, effectiveAt, expiresAt, reason, metadata,
                idempotencyKey, costBasis);
    }

    /** 0–100; lower is spent first. Default 50. */
    public Grant priority(int value) {
        return new Grant(amount, source, value, effectiveAt, expiresAt, reason, metadata,
                idempotencyKey, costBasis);
    }

    /**
     * Defaults to now. A past time backdates the grant; a future one (at most 3,660 days ahead)
     * makes it scheduled: outside the balance until then.
     */
    public Grant effectiveAt(Instant value) {
        return new Grant(amount, source, priority, value, expiresAt, reason, metadata,
                idempotencyKey, costBasis);
    }

    public Grant expiresAt(Instant value) {
        return new Grant(amount, source, priority, effectiveAt, value, reason, metadata,
                idempotencyKey, costBasis);
    }

    public Grant reason(String value) {
        return new Grant(amount, source, priority, effectiveAt, expiresAt, value, metadata,
                idempotencyKey, costBasis);
    }

    /** A JSON-serializable map of at most 16 KiB. */
    public Grant metadata(Map<String, ?> value) {
        return new Grant(amount, source, priority, effectiveAt, expiresAt, reason, value,
                idempotencyKey, costBasis);
    }

    public Grant idempotencyKey(String value) {
        return new Grant(amount, source, priority, effectiveAt, expiresAt, reason, metadata, value,
                costBasis);
    }
}
