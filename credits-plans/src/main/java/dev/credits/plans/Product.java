package dev.credits.plans;

import java.util.List;
import java.util.Objects;

/**
 * A one-off product of the catalog, e.g. a credit pack.
 *
 * @param id       the id used in every API, {@code [a-z0-9_-]{1,64}}
 * @param name     display name
 * @param price    what customers are shown; the payment happens elsewhere; may be null
 * @param provides the grants one unit of the product makes
 * @param stripePriceId the Stripe price a checkout for it charges; null when it is not sold
 *                 through Stripe Checkout
 */
public record Product(String id, String name, Price price, List<Provision> provides,
                      String stripePriceId) {
    /** A displayed price: a decimal string and a lower-case ISO-4217 currency code. */
    public record Price(String amount, String currency) {
    }

    public Product {
        Objects.requireNonNull(id, "id");
        provides = List.copyOf(provides);
        name = name == null ? id : name;
    }

    public Product(String id, String name, Price price, List<Provision> provides) {
        this(id, name, price, provides, null);
    }
}
