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

    /**
     * A grant's credits coming in ({@code type} {@code grant}, or {@code adjustment} for a
     * positive one), effective at the grant's {@code effective_at}; the contra account is the
     * grant source's issuing account.
     */
    static TransactionEntry issued(WalletKey wallet, TransactionType type, GrantState grant,
                                   long balanceAfterUnits, Instant createdAt) {
        return new TransactionEntry(grant.transactionId, wallet, type, grant.source, grant.id,
                null, grant.amount, balanceAfterUnits, null, grant.reason, grant.metadataJson,
                createdAt, grant.effectiveAt, List.of(), "issued:" + grant.source.wireName());
    }

    /** What was left of a grant leaving it: an {@code expiry} or a {@code void}. */
    static TransactionEntry retired(String id, WalletKey wallet, TransactionType type,
                                    GrantState grant, long units, long balanceAfterUnits,
                                    String reason, Instant createdAt, Instant effectiveAt) {
        String contra = type == TransactionType.EXPIRY ? "expired" : "voided";
        return new TransactionEntry(id, wallet, type, grant.source, grant.id, null, -units,
                balanceAfterUnits, null, reason, Json.EMPTY_OBJECT, createdAt, effectiveAt,
                List.of(), contra);
    }

    /** Credits going out for usage: a spend, or a hold's capture ({@code holdId}). */
    static TransactionEntry usage(String id, WalletKey wallet, String holdId, long units,
                                  long balanceAfterUnits, String feature, String reason,
                                  String metadataJson, Instant now,
                                  List<AllocationEntry> allocations) {
        return new TransactionEntry(id, wallet, TransactionType.USAGE, null, null, holdId, -units,
                balanceAfterUnits, feature, reason, metadataJson, now, now, allocations,
                feature == null ? "usage" : "usage:" + feature);
    }

    /** An operator's negative correction (a positive one is {@link #issued}). */
    static TransactionEntry adjustment(String id, WalletKey wallet, long signedUnits,
                                       long balanceAfterUnits, String reason, String metadataJson,
                                       Instant now, List<AllocationEntry> allocations) {
        return new TransactionEntry(id, wallet, TransactionType.ADJUSTMENT, null, null, null,
                signedUnits, balanceAfterUnits, null, reason, metadataJson, now, now, allocations,
                "adjustment");
    }

    /** One grant's share of a spend; {@code grantId} null is the overdraft part. */
    public record AllocationEntry(String grantId, long units) {
    }
}
