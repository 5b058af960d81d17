package dev.credits.internal;

import java.time.Instant;

/**
 * A share of a grant's cost basis that changed hands: {@code purchased} when a grant with a cost
 * basis is made (its whole cost), then, as its credits are consumed, {@code recognized} (used:
 * a spend, a capture, a negative adjustment, a debt it paid), {@code breakage} (expired) or
 * {@code refunded} (voided). The shares of one grant add up to its cost exactly: after
 * {@code k} of its {@code n} units are consumed, {@code floor(cost × k / n)} has been, so each
 * step takes the difference and the last unit takes the remainder.
 *
 * @param transactionId the journal entry that consumed it (null for a scheduled grant voided
 *                      before it took effect, which has no entry)
 * @param minor         the share, in the currency's minor unit; never negative
 * @param at            when it happened (an expiry at the grant's expires_at)
 */
public record RevenueEntry(WalletKey wallet, String transactionId, String grantId, String kind,
                           String currency, long minor, Instant at) {
    public static final String PURCHASED = "purchased";
    public static final String RECOGNIZED = "recognized";
    public static final String BREAKAGE = "breakage";
    public static final String REFUNDED = "refunded";
}
