package dev.credits.internal;

import dev.credits.GrantStatus;
import dev.credits.HoldStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wallet's invariants, checked on every batch (TigerBeetle's pair assertions): after its state
 * is loaded and before it is written. The balance is the active grants' remaining less the debt;
 * {@code held} is what the active holds reserve; the debt is never negative; no grant's remaining
 * is below zero or above its amount; a grant that is neither active nor scheduled holds nothing,
 * and a scheduled one all of its amount.
 */
public final class Invariants {
    /** Batches failed by a broken invariant in this process, for the metric. */
    private static final AtomicLong BROKEN = new AtomicLong();

    private Invariants() {
    }

    /** How many batches a broken invariant has failed in this process. */
    public static long brokenCount() {
        return BROKEN.get();
    }

    /** Each broken rule, naming the wallet; empty when the wallet holds every invariant. */
    public static List<String> violations(WalletState wallet) {
        List<String> out = new ArrayList<>();
        long remaining = 0;
        for (GrantState grant : wallet.grants.values()) {
            if (grant.remaining < 0 || grant.remaining > grant.amount) {
                out.add(wallet.key + ": grant " + grant.id + " has remaining " + grant.remaining
                        + " of " + grant.amount);
            }
            if (grant.status == GrantStatus.ACTIVE) {
                remaining = Math.addExact(remaining, grant.remaining);
            } else if (grant.status == GrantStatus.SCHEDULED ? grant.remaining != grant.amount
                    : grant.remaining != 0) {
                out.add(wallet.key + ": " + grant.status.wireName() + " grant " + grant.id
                        + " has remaining " + grant.remaining);
            }
        }
        if (wallet.debt < 0) {
            out.add(wallet.key + ": debt " + wallet.debt + " is negative");
        }
        if (Math.subtractExact(remaining, wallet.debt) != wallet.balance) {
            out.add(wallet.key + ": active grants' remaining " + remaining + " less debt "
                    + wallet.debt + " is not the balance " + wallet.balance);
        }
        long held = 0;
        for (HoldState hold : wallet.holds.values()) {
            if (hold.status == HoldStatus.HELD) {
                held = Math.addExact(held, hold.amount);
            }
        }
        if (held != wallet.held) {
            out.add(wallet.key + ": active holds reserve " + held + ", not held " + wallet.held);
        }
        return out;
    }

    /** Throws {@link IllegalStateException} naming the wallet and the rule it breaks. */
    static void require(WalletState wallet, String when) {
        List<String> broken = violations(wallet);
        if (!broken.isEmpty()) {
            BROKEN.incrementAndGet();
            throw new IllegalStateException("ledger invariant broken " + when + ": "
                    + String.join("; ", broken));
        }
    }
}
