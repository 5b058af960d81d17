package dev.credits;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * One entry of a wallet's history. {@code amount} is signed: positive in, negative out.
 * In a daily-grouped history, usage rows carry {@code count} and {@code date} and have no id.
 */
public record Transaction(String id, String customerId, String creditType, TransactionType type,
                          GrantSource source, String grantId, String holdId, Amount amount,
                          Amount balanceAfter, String feature, String reason,
                          Map<String, Object> metadata, Instant createdAt, Instant effectiveAt,
                          List<Allocation> allocations, Integer count, LocalDate date) {
}
