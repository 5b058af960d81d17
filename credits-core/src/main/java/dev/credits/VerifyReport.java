package dev.credits;

import java.util.List;

/**
 * The result of checking every ledger invariant. Each violation names what is wrong and where.
 *
 * @param wallets       wallets checked
 * @param transactions  journal entries checked
 * @param violations    empty when the ledger is consistent
 */
public record VerifyReport(long wallets, long transactions, List<String> violations) {
    public boolean isClean() {
        return violations.isEmpty();
    }
}
