package dev.credits.event;

import java.time.Instant;

/**
 * Something that happened to a wallet. Each event is written to the outbox in the same database
 * transaction as the change it describes, and reaches listeners after the commit, at least once,
 * in order per wallet. Amounts are in units of the credit type's smallest unit.
 */
public sealed interface CreditsEvent permits CreditsGranted, CreditsSpent, CreditsExpired,
        GrantVoided, CreditsAdjusted, CreditsHeld, HoldCaptured, HoldReleased, HoldExpired,
        BalanceLow, BalanceRecovered, BalanceDepleted, CreditsExpiringSoon {

    String customerId();

    String creditType();

    Instant occurredAt();

    /** The event's name on the wire and in the outbox, e.g. {@code CreditsSpent}. */
    default String name() {
        return getClass().getSimpleName();
    }
}
