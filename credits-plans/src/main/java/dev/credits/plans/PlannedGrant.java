package dev.credits.plans;

import java.time.Instant;

/**
 * A grant decided before it is made, and stored with the period or purchase that decides it, so
 * that making it again after a crash sends the ledger the identical command (which the ledger
 * then replays by {@code idempotencyKey}).
 *
 * @param kind      {@code allowance}, {@code rollover}, {@code kept} (allowance kept at a
 *                  prorated change) or {@code purchase}
 * @param costBasis what the customer paid for it (a purchase's); null for none
 */
record PlannedGrant(String idempotencyKey, String creditType, long units, String kind,
                    Instant effectiveAt, Instant expiresAt, dev.credits.Money costBasis) {
    PlannedGrant(String idempotencyKey, String creditType, long units, String kind,
                 Instant effectiveAt, Instant expiresAt) {
        this(idempotencyKey, creditType, units, kind, effectiveAt, expiresAt, null);
    }

    static final String ALLOWANCE = "allowance";
    static final String ROLLOVER = "rollover";
    static final String KEPT = "kept";
    static final String PURCHASE = "purchase";
}
