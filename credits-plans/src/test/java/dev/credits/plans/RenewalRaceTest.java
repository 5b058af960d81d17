package dev.credits.plans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RenewalRaceTest {
    static final Instant START = Instant.parse("2026-01-31T10:00:00Z");
    static final Instant SECOND = Instant.parse("2026-02-28T10:00:00Z");

    @Test
    void oneRenewal_racedFromThreeThreadsAndTwoInstances_isGrantedOnce() throws Exception {
        MutableClock clock = new MutableClock(START);
        CreditsConfig config = TestDatabase.newConfig(clock, Fixtures.TYPES);
        try (PostgresLedger one = PostgresLedger.open(config);
             PostgresLedger two = PostgresLedger.open(config);
             Plans a = Plans.open(one.credits(), one.dataSource(), Fixtures.CATALOG);
             Plans b = Plans.open(two.credits(), two.dataSource(), Fixtures.CATALOG)) {
            Credits first = one.credits();
            Subscription s = a.create("c1", "pro", null, null);
            clock.set(SECOND);
            CyclicBarrier barrier = new CyclicBarrier(5);
            ExecutorService pool = Executors.newFixedThreadPool(5);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(() -> {
                    barrier.await();
                    return a.renew(s.id(), SECOND);
                }));
            }
            futures.add(pool.submit(() -> {
                barrier.await();
                return a.renewDue();
            }));
            futures.add(pool.submit(() -> {
                barrier.await();
                return b.renewDue();
            }));
            for (Future<?> future : futures) {
                future.get();
            }
            pool.shutdown();
            assertThat(Fixtures.periodGrants(first, "c1", "credits", s.id(), SECOND.toString()))
                    .hasSize(2); // the allowance and the rollover of the first period, once each
            assertThat(Fixtures.periodGrants(first, "c1", "sms", s.id(), SECOND.toString()))
                    .hasSize(2);
            assertThat(Fixtures.balance(first, "c1", "credits")).isEqualTo("1500.00");
            assertThat(first.verify().isClean()).isTrue();
        }
    }

    @Test
    void aCrashBetweenThePeriodRowAndItsGrants_isRepairedByTheNextRun() {
        MutableClock clock = new MutableClock(START);
        try (PostgresLedger ledger = TestDatabase.openLedger(clock, Fixtures.TYPES);
             Plans plans = Plans.open(ledger.credits(), ledger.dataSource(), Fixtures.CATALOG)) {
            Credits credits = ledger.credits();
            Subscription s = plans.create("c1", "basic", null, null);
            clock.set(SECOND);
            // What a crash leaves: the next period's row, committed, and none of its grants.
            SubscriptionStore store = new SubscriptionStore(ledger.dataSource());
            Periods.Span span = new Periods.Span(SECOND, Periods.anniversary(START, 2));
            store.inTransaction(c -> {
                SubscriptionRow row = store.lock(c, s.id());
                Plan basic = Fixtures.CATALOG.requirePlan("basic");
                Granting granting = new Granting(credits);
                store.insertPeriod(c, row, span, "basic", new Renewals(credits,
                        Fixtures.CATALOG, store, granting,
                        new PlanOperations(credits, store, granting))
                        .periodGrants(row, basic, span, java.util.Map.of()), clock.instant());
                store.updateSubscription(c, row.withPeriod(span), clock.instant());
                return null;
            });
            assertThat(credits.grants("c1", "credits", true)).hasSize(1);
            plans.renewDue();
            plans.renewDue();
            plans.renew(s.id(), SECOND);
            assertThat(Fixtures.periodGrants(credits, "c1", "credits", s.id(), SECOND.toString()))
                    .hasSize(1);
            assertThat(Fixtures.balance(credits, "c1", "credits")).isEqualTo("100.00");
        }
    }

    @Test
    void aPurchaseRetriedWithTheSamePaymentReference_grantsOnce() {
        MutableClock clock = new MutableClock(START);
        try (PostgresLedger ledger = TestDatabase.openLedger(clock, Fixtures.TYPES);
             Plans plans = Plans.open(ledger.credits(), ledger.dataSource(), Fixtures.CATALOG)) {
            Credits credits = ledger.credits();
            Purchase first = plans.purchase("c1", "pack_small", 3, "pi_123");
            assertThat(first.replayed()).isFalse();
            assertThat(first.grants()).hasSize(2);
            assertThat(first.grants().get(0).expiresAt())
                    .isEqualTo(Instant.parse("2026-07-31T10:00:00Z"));
            Purchase again = plans.purchase("c1", "pack_small", 3, "pi_123");
            assertThat(again.replayed()).isTrue();
            assertThat(again.id()).isEqualTo(first.id());
            assertThat(again.grants()).extracting(g -> g.id())
                    .containsExactlyElementsOf(first.grants().stream().map(g -> g.id()).toList());
            assertThat(Fixtures.balance(credits, "c1", "credits")).isEqualTo("1500.00");
            assertThat(Fixtures.balance(credits, "c1", "sms")).isEqualTo("30");
            // A payment reference is unique per customer: another customer's is another purchase.
            Purchase other = plans.purchase("c2", "pack_small", 1, "pi_123");
            assertThat(other.replayed()).isFalse();
            assertThat(Fixtures.balance(credits, "c2", "credits")).isEqualTo("500.00");
        }
    }
}
