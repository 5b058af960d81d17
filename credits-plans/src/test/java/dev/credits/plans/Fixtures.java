package dev.credits.plans;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.GrantRecord;
import dev.credits.OverdraftLimit;
import java.time.Period;
import java.util.List;

/** The catalog and credit types the tests use: credits (scale 2) and sms (scale 0). */
final class Fixtures {
    static final CreditTypes TYPES = CreditTypes.of(List.of(CreditType.defaultType(),
            new CreditType("sms", "SMS", null, 0, OverdraftLimit.none(), null)));

    static final Catalog CATALOG = Catalog.of(List.of(
            plan("basic", Interval.MONTH, "100.00", null, null),
            plan("pro", Interval.MONTH, "1000.00", "50", Rollover.maxAmount("500.00")),
            plan("pro_year", Interval.YEAR, "1000.00", null, null),
            plan("pct", Interval.MONTH, "1000.00", null, Rollover.maxPercent(25))),
            List.of(new Product("pack_small", "500 credits", new Product.Price("9.00", "usd"),
                    List.of(new Provision("credits", Amount.parse("500.00", 2), Period.ofMonths(6)),
                            new Provision("sms", Amount.parse("10", 0), null)))));

    private Fixtures() {
    }

    static Plan plan(String id, Interval interval, String credits, String sms, Rollover rollover) {
        List<Provision> provides = sms == null
                ? List.of(new Provision("credits", Amount.parse(credits, 2), null))
                : List.of(new Provision("credits", Amount.parse(credits, 2), null),
                new Provision("sms", Amount.parse(sms, 0), null));
        return new Plan(id, id, interval, provides, rollover);
    }

    static String balance(Credits credits, String customer, String type) {
        return credits.wallet(customer, type).balance().toString();
    }

    /** Every grant a subscription made for the period starting at {@code start}. */
    static List<GrantRecord> periodGrants(Credits credits, String customer, String type,
                                          String subscriptionId, String start) {
        return credits.grants(customer, type, true).stream()
                .filter(g -> subscriptionId.equals(g.metadata().get("subscription_id"))
                        && start.equals(g.metadata().get("period_start")))
                .toList();
    }
}
