package dev.credits.cli;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.GrantSource;
import dev.credits.Spend;
import dev.credits.plans.Catalog;
import dev.credits.plans.Interval;
import dev.credits.plans.Plan;
import dev.credits.plans.Plans;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import dev.credits.plans.Rollover;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;

/**
 * {@code ./credits serve --demo}: a demo customer with a plan, a pack and four weeks of usage over
 * two features, written on a test clock that starts four weeks ago and is moved to now as the
 * usage is written. Seeded once per database, with a fixed random seed: the same demo every time.
 */
final class Demo {
    static final String CUSTOMER = "demo";
    static final Duration HISTORY = Duration.ofDays(28);
    static final long SEED = 42;
    static final List<String> FEATURES = List.of("chat", "images");

    private Demo() {
    }

    /** When the demo's clock starts: four weeks ago, at 08:00 UTC. */
    static Instant clockStart(Instant now) {
        return now.minus(HISTORY).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(8));
    }

    /**
     * The catalog of the configuration, or when it has neither plans nor products, a plan and a
     * pack of the first credit type: the demo needs something to subscribe to and to buy.
     */
    static Catalog catalog(Catalog configured, CreditTypes types) {
        if (!configured.plans().isEmpty() && !configured.products().isEmpty()) {
            return configured;
        }
        CreditType type = types.all().iterator().next();
        Plan plan = new Plan("pro", "Pro", Interval.MONTH, List.of(new Provision(type.id(),
                type.parse("1000"), null)), new Rollover(new BigDecimal("500"), null));
        Product pack = new Product("pack_500", "500 " + type.name(),
                new Product.Price("9.00", "usd"), List.of(new Provision(type.id(),
                type.parse("500"), Period.ofMonths(6))));
        return Catalog.of(configured.plans().isEmpty() ? List.of(plan)
                        : List.copyOf(configured.plans()),
                configured.products().isEmpty() ? List.of(pack)
                        : List.copyOf(configured.products()));
    }

    /** True when this database holds the demo already (a second --demo start). */
    static boolean isSeeded(Credits credits) {
        return credits.customers(CUSTOMER, 1).contains(CUSTOMER);
    }

    /**
     * Subscribes the demo customer, buys a pack on the third day and spends every day on two
     * features, moving the test clock a day at a time to {@code until}. Prints a dot a week.
     */
    static void seed(Credits credits, Plans plans, Instant until, java.io.PrintWriter progress) {
        Random random = new Random(SEED);
        Plan plan = plans.catalog().plans().iterator().next();
        Product pack = plans.catalog().products().iterator().next();
        CreditType type = credits.creditTypes().require(plan.providesMonthly().get(0)
                .creditType());
        plans.create(CUSTOMER, plan.id(), credits.now(), "demo:subscribe");
        credits.wallet(CUSTOMER, type.id()).grant(Grant.of(type.parse("50").toString())
                .source(GrantSource.PROMOTION).reason("Welcome bonus")
                .expiresAt(credits.now().plus(Duration.ofDays(40)))
                .idempotencyKey("demo:welcome"));
        int day = 0;
        long unit = Math.max(1, type.parse("1").units());
        while (credits.now().plus(Duration.ofDays(1)).isBefore(until)) {
            if (day == 2) {
                plans.purchase(CUSTOMER, pack.id(), 1, "demo:pack", "demo:pack");
            }
            int uses = 3 + random.nextInt(6);
            for (int i = 0; i < uses; i++) {
                String feature = FEATURES.get(random.nextInt(4) == 0 ? 1 : 0);
                long units = feature.equals("chat") ? unit / 2 + random.nextInt((int) Math.min(
                        Integer.MAX_VALUE, unit * 4)) : unit * (2 + random.nextInt(6));
                Amount amount = type.amount(Math.max(1, units));
                credits.wallet(CUSTOMER, type.id()).spend(Spend.of(amount.toString())
                        .feature(feature).idempotencyKey("demo:spend:" + day + ":" + i));
            }
            day++;
            plans.advanceTestClock(credits.now().plus(Duration.ofDays(1)));
            if (day % 7 == 0) {
                progress.print('.');
                progress.flush();
            }
        }
        if (credits.now().isBefore(until)) {
            plans.advanceTestClock(until);
        }
        progress.println();
        progress.flush();
    }
}
