package dev.credits.plans;

import dev.credits.GrantRecord;
import java.time.Instant;
import java.util.List;

/**
 * A purchase of a product and the grants it made. A retry with the same payment reference
 * returns the first purchase with {@code replayed} set and grants nothing more.
 */
public record Purchase(String id, String customerId, String product, int quantity,
                       String paymentReference, Instant createdAt, List<GrantRecord> grants,
                       boolean replayed) {
    public Purchase {
        grants = List.copyOf(grants);
    }
}
