package dev.credits.plans;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CustomerIds;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.IdempotencyConflictException;
import dev.credits.IdempotencyKeys;
import dev.credits.ValidationException;
import dev.credits.plans.SubscriptionStore.PurchaseRow;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Purchases of products, idempotent by payment reference: the purchase row is inserted first
 * under (customer, payment reference); then its grants are made with keys derived from it.
 */
final class Purchases {
    static final String PURCHASED = "ProductPurchased";

    private final Credits credits;
    private final Catalog catalog;
    private final SubscriptionStore store;
    private final Granting granting;

    Purchases(Credits credits, Catalog catalog, SubscriptionStore store, Granting granting) {
        this.credits = credits;
        this.catalog = catalog;
        this.store = store;
        this.granting = granting;
    }

    Purchase purchase(String customerId, String productId, int quantity, String reference,
                      String key) {
        return purchase(customerId, productId, quantity, reference, key, null);
    }

    /**
     * A purchase whose cost basis is {@code paid} (what a payment provider says was paid), or,
     * when null, the product's price times the quantity (none for a product without a price).
     */
    Purchase purchase(String customerId, String productId, int quantity, String reference,
                      String key, dev.credits.Money paid) {
        CustomerIds.requireValid(customerId);
        Product product = catalog.requireProduct(productId);
        if (quantity < Plans.QUANTITY_MIN || quantity > Plans.QUANTITY_MAX) {
            throw new ValidationException("quantity", "must be " + Plans.QUANTITY_MIN + ".."
                    + Plans.QUANTITY_MAX + ", was " + quantity);
        }
        requireReference(reference);
        Instant now = credits.now();
        String id = Plans.newId("pur_");
        PurchaseRow row = new PurchaseRow(customerId, reference, id, product.id(), quantity,
                plan(product, quantity, id, now, paid == null ? costOf(product, quantity)
                        : paid), now, false);
        String fingerprint = RequestKeys.fingerprint("purchase", customerId, product.id(),
                String.valueOf(quantity), reference);
        PurchaseRow stored = store.inTransaction(c -> {
            // A key used before for this very purchase goes on below as a replay of its
            // reference; for another request it is a conflict.
            if (key != null && RequestKeys.claim(c, customerId, key, fingerprint, "Purchase",
                    now) == null) {
                RequestKeys.recordResult(c, key, SubscriptionStore.write(
                        Map.of("payment_reference", reference)));
            }
            if (store.insertPurchase(c, row)) {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("purchase_id", row.id());
                event.put("product", product.id());
                event.put("quantity", quantity);
                event.put("payment_reference", reference);
                event.put("grants", granting.describe(row.grants()));
                store.appendEvent(c, customerId, PURCHASED, event, now);
                return row;
            }
            PurchaseRow first = store.findPurchase(c, customerId, reference);
            if (!first.product().equals(product.id()) || first.quantity() != quantity) {
                throw new IdempotencyConflictException(reference);
            }
            return first;
        });
        return new Purchase(stored.id(), customerId, stored.product(), stored.quantity(),
                reference, stored.createdAt(), complete(stored), stored != row);
    }

    /** The product's price times the quantity; null for a product without a price. */
    static dev.credits.Money costOf(Product product, int quantity) {
        if (product.price() == null) {
            return null;
        }
        dev.credits.Money unit = dev.credits.Money.parse(product.price().amount(),
                product.price().currency());
        try {
            return new dev.credits.Money(Math.multiplyExact(unit.minor(), (long) quantity),
                    unit.currency());
        } catch (ArithmeticException e) {
            throw new ValidationException("quantity", "makes the price too large");
        }
    }

    /**
     * The grants of one purchase: each provision times the quantity, checked before writing, the
     * cost basis split among them.
     */
    private List<PlannedGrant> plan(Product product, int quantity, String purchaseId,
                                    Instant now, dev.credits.Money cost) {
        List<PlannedGrant> grants = new ArrayList<>();
        for (int i = 0; i < product.provides().size(); i++) {
            Provision provision = product.provides().get(i);
            CreditType type = credits.creditTypes().require(provision.creditType());
            long units;
            try {
                units = Math.multiplyExact(provision.amount().units(), quantity);
            } catch (ArithmeticException e) {
                throw new ValidationException("quantity", "makes a grant too large");
            }
            Amount.parsePositive(Amount.render(units, type.scale()), type.scale()); // limits
            Instant expiresAt = provision.expiresAfter() == null ? null
                    : now.atOffset(ZoneOffset.UTC).plus(provision.expiresAfter()).toInstant();
            // The ledger's keys are global, and a payment reference is only unique per customer.
            grants.add(new PlannedGrant(IdempotencyKeys.derived("purchase:" + purchaseId + ":"
                    + i), type.id(), units, PlannedGrant.PURCHASE, now, expiresAt, null));
        }
        return withCost(grants, cost);
    }

    /**
     * The grants with the purchase's cost split among them in proportion to their units: each
     * takes floor(cost × its units / all units), the last the remainder, so the shares add up to
     * the cost exactly.
     */
    private static List<PlannedGrant> withCost(List<PlannedGrant> grants,
                                               dev.credits.Money cost) {
        if (cost == null || grants.isEmpty()) {
            return grants;
        }
        java.math.BigInteger total = java.math.BigInteger.ZERO;
        for (PlannedGrant g : grants) {
            total = total.add(java.math.BigInteger.valueOf(g.units()));
        }
        List<PlannedGrant> out = new ArrayList<>();
        long given = 0;
        for (int i = 0; i < grants.size(); i++) {
            PlannedGrant g = grants.get(i);
            long share = i == grants.size() - 1 ? cost.minor() - given
                    : java.math.BigInteger.valueOf(cost.minor()).multiply(
                            java.math.BigInteger.valueOf(g.units())).divide(total)
                            .longValueExact();
            given += share;
            out.add(new PlannedGrant(g.idempotencyKey(), g.creditType(), g.units(), g.kind(),
                    g.effectiveAt(), g.expiresAt(), new dev.credits.Money(share,
                    cost.currency())));
        }
        return out;
    }

    /**
     * Makes the purchase's grants (replayed by the ledger when made before). Once a purchase is
     * marked granted its grants are read back instead, so a retry long after the ledger has
     * forgotten its idempotency keys still grants nothing.
     */
    private List<GrantRecord> complete(PurchaseRow row) {
        if (row.granted()) {
            List<GrantRecord> found = new ArrayList<>();
            for (GrantRecord grant : credits.grants(row.customerId(), null, true)) {
                if (row.id().equals(grant.metadata().get("purchase_id"))) {
                    found.add(grant);
                }
            }
            found.sort(java.util.Comparator.comparing(GrantRecord::id)); // creation order
            return found;
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("purchase_id", row.id());
        metadata.put("product", row.product());
        metadata.put("payment_reference", row.paymentReference());
        List<GrantRecord> made = granting.make(row.customerId(), row.grants(),
                GrantSource.PURCHASE, "purchase of " + row.product(), metadata);
        store.inTransaction(c -> {
            store.markPurchaseGranted(c, row, credits.now());
            return null;
        });
        return made;
    }

    private static void requireReference(String reference) {
        boolean valid = reference != null && !reference.isEmpty()
                && reference.length() <= Plans.PAYMENT_REFERENCE_LENGTH_MAX;
        for (int i = 0; valid && i < reference.length(); i++) {
            valid = reference.charAt(i) > 0x20 && reference.charAt(i) <= 0x7e;
        }
        if (!valid) {
            throw new ValidationException("payment_reference", "must be 1-"
                    + Plans.PAYMENT_REFERENCE_LENGTH_MAX
                    + " printable ASCII characters without spaces");
        }
    }
}
