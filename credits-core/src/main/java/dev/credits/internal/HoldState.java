package dev.credits.internal;

import dev.credits.HoldStatus;
import java.time.Instant;

/** A hold as the write path sees it. */
public final class HoldState {
    public final String id;
    public final long amount;
    public long captured;
    public HoldStatus status;
    public final String feature;
    public final String metadataJson;
    public final Instant expiresAt;
    public final Instant createdAt;
    public String transactionId;
    public final boolean isNew;
    public boolean dirty;

    public HoldState(String id, long amount, long captured, HoldStatus status, String feature,
                     String metadataJson, Instant expiresAt, Instant createdAt,
                     String transactionId, boolean isNew) {
        this.id = id;
        this.amount = amount;
        this.captured = captured;
        this.status = status;
        this.feature = feature;
        this.metadataJson = metadataJson;
        this.expiresAt = expiresAt;
        this.createdAt = createdAt;
        this.transactionId = transactionId;
        this.isNew = isNew;
    }
}
