package dev.credits.plans;

import java.time.Instant;

/** A grant of the ledger that a subscription made for one of its periods. */
record PeriodGrantRow(String id, String creditType, long amount, long remaining, String kind,
                      Instant effectiveAt, Instant expiresAt) {
}
