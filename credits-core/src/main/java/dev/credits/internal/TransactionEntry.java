package dev.credits.internal;

import dev.credits.GrantSource;
import dev.credits.TransactionType;
import java.time.Instant;
import java.util.List;

/**
 * A journal entry to append: {@code amountUnits} moves between the wallet (signed: + in, - out)
 * and {@code contraAccount}, a system account that takes the opposite posting.
 */
public record TransactionEntry(String id, WalletKey wallet, TransactionType type,
                               GrantSource source, String grantId, String holdId,
                               long amountUnits, long balanceAfterUnits, String feature,
                               String reason, String metadataJson, Instant createdAt,
                               Instant effectiveAt, List<AllocationEntry> allocations,
                               String contraAccount) {

    public static final String WALLET_ACCOUNT = "wallet";

    /** One grant's share of a spend; {@code grantId} null is the overdraft part. */
    public record AllocationEntry(String grantId, long units) {
    }
}
