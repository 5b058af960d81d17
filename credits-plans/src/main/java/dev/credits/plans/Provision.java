package dev.credits.plans;

import dev.credits.Amount;
import java.time.Period;
import java.util.Objects;

/**
 * Credits a plan provides every month or a product provides once.
 *
 * @param creditType   the credit type's id
 * @param amount       how much, in the type's scale; positive
 * @param expiresAfter products only: how long the credits last from the purchase; null for never
 */
public record Provision(String creditType, Amount amount, Period expiresAfter) {
    public Provision {
        Objects.requireNonNull(creditType, "creditType");
        Objects.requireNonNull(amount, "amount");
        if (!amount.isPositive()) {
            throw new IllegalArgumentException("a provision's amount must be positive");
        }
    }
}
