package dev.credits.cli;

import dev.credits.Amount;
import java.time.Instant;

/** One journal entry as exported: amounts rendered in the credit type's scale, metadata JSON. */
record ExportRow(String id, String customerId, String creditType, String type, String source,
                 String grantId, String holdId, Amount amount, Amount balanceAfter,
                 String feature, String reason, String metadataJson, Instant createdAt,
                 Instant effectiveAt) {

    /** The column names, in order, as in the HTTP API's Transaction. */
    static final String[] COLUMNS = {"id", "customer_id", "credit_type", "type", "source",
        "grant_id", "hold_id", "amount", "balance_after", "feature", "reason", "metadata",
        "created_at", "effective_at"};
}
