package dev.credits.plans;

import java.time.Instant;

/**
 * A grant of the ledger that a subscription made for one of its periods.
 *
 * @param takenBackUnits what earlier plan changes took back from it with void entries
 */
record PeriodGrantRow(String id, String creditType, long amount, long remaining, String kind,
                      Instant effectiveAt, Instant expiresAt, long takenBackUnits) {
}
