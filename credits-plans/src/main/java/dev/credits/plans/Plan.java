package dev.credits.plans;

import java.util.List;
import java.util.Objects;

/**
 * A subscription plan of the catalog.
 *
 * @param id              the id used in every API, {@code [a-z0-9_-]{1,64}}
 * @param name            display name
 * @param interval        the billing period; the allowance comes every month either way
 * @param providesMonthly the allowance granted at every monthly anniversary
 * @param rollover        how much unused allowance carries over; null for none
 * @param stripePriceId   the Stripe recurring price of the plan; null when it is not billed
 *                        through Stripe
 */
public record Plan(String id, String name, Interval interval, List<Provision> providesMonthly,
                   Rollover rollover, String stripePriceId) {
    public Plan {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(interval, "interval");
        providesMonthly = List.copyOf(providesMonthly);
        name = name == null ? id : name;
    }

    public Plan(String id, String name, Interval interval, List<Provision> providesMonthly,
                Rollover rollover) {
        this(id, name, interval, providesMonthly, rollover, null);
    }

    /** The monthly amount of a credit type in units; 0 when the plan does not provide it. */
    public long monthlyUnits(String creditType) {
        for (Provision provision : providesMonthly) {
            if (provision.creditType().equals(creditType)) {
                return provision.amount().units();
            }
        }
        return 0;
    }
}
