package dev.credits;

import java.time.Instant;
import java.util.Map;

/**
 * A grant: a lot of credits with its own priority and expiry. {@code balance} is the wallet's
 * balance right after the operation that returned this record; {@code costBasis} what the
 * customer paid for the grant (null for none: a promotion, an allowance); {@code createdAt} when it
 * was written (null in a replay of a result stored before it was kept).
 */
public record GrantRecord(String id, String transactionId, String customerId, String creditType,
                          Amount amount, Amount remaining, GrantSource source, int priority,
                          Instant effectiveAt, Instant expiresAt, GrantStatus status,
                          String reason, Map<String, Object> metadata, Amount balance,
                          Money costBasis, Instant createdAt) {
    public GrantRecord(String id, String transactionId, String customerId, String creditType,
                       Amount amount, Amount remaining, GrantSource source, int priority,
                       Instant effectiveAt, Instant expiresAt, GrantStatus status, String reason,
                       Map<String, Object> metadata, Amount balance, Money costBasis) {
        this(id, transactionId, customerId, creditType, amount, remaining, source, priority,
                effectiveAt, expiresAt, status, reason, metadata, balance, costBasis, null);
    }

    public GrantRecord(String id, String transactionId, String customerId, String creditType,
                       Amount amount, Amount remaining, GrantSource source, int priority,
                       Instant effectiveAt, Instant expiresAt, GrantStatus status, String reason,
                       Map<String, Object> metadata, Amount balance) {
        this(id, transactionId, customerId, creditType, amount, remaining, source, priority,
                effectiveAt, expiresAt, status, reason, metadata, balance, null, null);
    }
}
