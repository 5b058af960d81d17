package dev.credits.plans;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.ValidationException;
import dev.credits.internal.Command;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes planned grants through the ledger; a grant made before is replayed, not repeated. */
final class Granting {
    private static final Logger LOG = LoggerFactory.getLogger(Granting.class);

    private final Credits credits;

    Granting(Credits credits) {
        this.credits = credits;
    }

    /**
     * Makes each grant with its idempotency key. A grant whose expiry has passed before it was
     * first made (a crash repaired after its period) is skipped: the ledger refuses it, and the
     * period it belonged to is over.
     */
    List<GrantRecord> make(String customerId, List<PlannedGrant> grants, GrantSource source,
                           String reason, Map<String, Object> metadata) {
        List<GrantRecord> made = new ArrayList<>();
        for (PlannedGrant planned : grants) {
            try {
                made.add(grant(customerId, planned, source, reason, metadata));
            } catch (ValidationException e) {
                if (!"expires_at".equals(e.field())) {
                    throw e;
                }
                LOG.warn("skipped grant {} of {}: its period ended before it could be made",
                        planned.idempotencyKey(), customerId);
            }
        }
        return made;
    }

    /** One grant, with its planned (derived) idempotency key: made once however retried. */
    GrantRecord grant(String customerId, PlannedGrant planned, GrantSource source,
                      String reason, Map<String, Object> metadata) {
        CreditType type = credits.creditTypes().require(planned.creditType());
        Map<String, Object> tagged = new LinkedHashMap<>(metadata);
        tagged.put("kind", planned.kind());
        return credits.run(new Command.Grant(
                new WalletKey(customerId, type.id()), planned.units(), source,
                Command.PRIORITY_DEFAULT, planned.effectiveAt(), planned.expiresAt(), reason,
                Json.metadata(tagged), planned.idempotencyKey(), planned.costBasis()));
    }

    /** The grants as event payload entries, amounts as decimal strings. */
    List<Map<String, Object>> describe(List<PlannedGrant> grants) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PlannedGrant planned : grants) {
            CreditType type = credits.creditTypes().require(planned.creditType());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("credit_type", type.id());
            entry.put("amount", Amount.render(planned.units(), type.scale()));
            entry.put("kind", planned.kind());
            out.add(entry);
        }
        return out;
    }
}
