package dev.credits.plans;

import dev.credits.ValidationException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The plans and products a server sells, by id. Immutable; read from the configuration file. */
public final class Catalog {
    public static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9_-]{1,64}");
    private static final Catalog EMPTY = new Catalog(List.of(), List.of());

    private final Map<String, Plan> plans = new LinkedHashMap<>();
    private final Map<String, Product> products = new LinkedHashMap<>();

    private Catalog(List<Plan> plans, List<Product> products) {
        for (Plan plan : plans) {
            if (this.plans.put(plan.id(), plan) != null) {
                throw new IllegalArgumentException("plan '" + plan.id() + "' is defined twice");
            }
        }
        for (Product product : products) {
            if (this.products.put(product.id(), product) != null) {
                throw new IllegalArgumentException("product '" + product.id()
                        + "' is defined twice");
            }
        }
    }

    public static Catalog of(List<Plan> plans, List<Product> products) {
        return plans.isEmpty() && products.isEmpty() ? EMPTY : new Catalog(plans, products);
    }

    public static Catalog empty() {
        return EMPTY;
    }

    /** The plan, or a {@link ValidationException} on field {@code plan}. */
    public Plan requirePlan(String id) {
        Plan plan = id == null ? null : plans.get(id);
        if (plan == null) {
            throw new ValidationException("plan", id == null ? "is required"
                    : "unknown plan '" + abbreviate(id) + "'");
        }
        return plan;
    }

    /** The product, or a {@link ValidationException} on field {@code product}. */
    public Product requireProduct(String id) {
        Product product = id == null ? null : products.get(id);
        if (product == null) {
            throw new ValidationException("product", id == null ? "is required"
                    : "unknown product '" + abbreviate(id) + "'");
        }
        return product;
    }

    /** The plan billed with Stripe price {@code priceId}; empty when no plan names it. */
    public java.util.Optional<Plan> planByStripePrice(String priceId) {
        return priceId == null ? java.util.Optional.empty() : plans.values().stream()
                .filter(p -> priceId.equals(p.stripePriceId())).findFirst();
    }

    public Collection<Plan> plans() {
        return Collections.unmodifiableCollection(plans.values());
    }

    public Collection<Product> products() {
        return Collections.unmodifiableCollection(products.values());
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }
}
