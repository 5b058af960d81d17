package dev.credits.internal;

import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import java.time.Instant;
import java.util.Comparator;

/** A grant as the write path sees it: loaded under the wallet lock, changed in memory. */
public final class GrantState {
    /**
     * Burn-down order: lower priority first, then earliest expiry (never-expiring last), then
     * earliest effective time, then the oldest grant (ids sort by creation).
     */
    public static final Comparator<GrantState> BURN_DOWN = Comparator
            .comparingInt((GrantState g) -> g.priority)
            .thenComparing(g -> g.expiresAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(g -> g.effectiveAt)
            .thenComparing(g -> g.id);

    public final String id;
    public final String transactionId;
    public final long amount;
    public long remaining;
    public final GrantSource source;
    public final int priority;
    public final Instant effectiveAt;
    public final Instant expiresAt;
    public GrantStatus status;
    public final String reason;
    public final String metadataJson;
    public final Instant createdAt;
    /** Set when this grant was made in the current batch and must be inserted. */
    public final boolean isNew;
    /** Set when remaining or status changed and must be written. */
    public boolean dirty;
    /**
     * When {@code credits.expiring_soon} is due for this grant; null when it is not (it has no
     * expiry, or was announced).
     */
    public Instant expiringNoticeAt;
    /** What the grant was paid for, in {@link #costCurrency}'s minor unit; null for none. */
    public Long costMinor;
    /** The lower-case ISO 4217 code of {@link #costMinor}; null for none. */
    public String costCurrency;

    public GrantState(String id, String transactionId, long amount, long remaining,
                      GrantSource source, int priority, Instant effectiveAt, Instant expiresAt,
                      GrantStatus status, String reason, String metadataJson, Instant createdAt,
                      boolean isNew) {
        this.id = id;
        this.transactionId = transactionId;
        this.amount = amount;
        this.remaining = remaining;
        this.source = source;
        this.priority = priority;
        this.effectiveAt = effectiveAt;
        this.expiresAt = expiresAt;
        this.status = status;
        this.reason = reason;
        this.metadataJson = metadataJson;
        this.createdAt = createdAt;
        this.isNew = isNew;
        if (remaining < 0 || remaining > amount) {
            throw new IllegalStateException("grant " + id + " remaining " + remaining
                    + " is outside 0.." + amount);
        }
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !expiresAt.isAfter(now);
    }
}
