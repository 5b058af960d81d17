package dev.credits.internal;

import java.util.Comparator;

/** One customer's wallet of one credit type. Ordered, so that batches lock in a stable order. */
public record WalletKey(String customerId, String creditType) implements Comparable<WalletKey> {
    private static final Comparator<WalletKey> ORDER = Comparator
            .comparing(WalletKey::customerId).thenComparing(WalletKey::creditType);

    @Override
    public int compareTo(WalletKey other) {
        return ORDER.compare(this, other);
    }
}
