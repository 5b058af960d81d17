package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.History;
import dev.credits.IdempotencyConflictException;
import dev.credits.InsufficientCreditsException;
import dev.credits.Spend;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** Threads that really race on one wallet: exactly the funded number of spends succeed. */
class RaceTest {
    static final int THREADS = 64;
    static final int FUNDED_UNITS = 40;

    @Test
    void sixtyFourThreads_oneInstance_exactlyNSucceed() throws Exception {
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults());
        try (Credits credits = Credits.open(config)) {
            race(List.of(credits), "solo");
        }
    }

    @Test
    void sixtyFourThreads_twoInstancesOnOneDatabase_exactlyNSucceed() throws Exception {
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults());
        try (Credits first = Credits.open(config); Credits second = Credits.open(config)) {
            race(List.of(first, second), "duo");
        }
    }

    @Test
    void concurrentFirstUse_createsOneWallet_andConcurrentSweepsExpireOnce() throws Exception {
        // One simulated clock for both instances: expiry does not depend on how fast this runs.
        MutableClock clock = MutableClock.at("2026-03-01T12:00:00Z");
        CreditsConfig config = TestDatabase.newConfig(clock, CreditTypes.defaults());
        try (Credits first = Credits.open(config); Credits second = Credits.open(config)) {
            together(32, i -> (i % 2 == 0 ? first : second).wallet("fresh", "credits")
                    .grant(Grant.of("1.00").expiresAt(clock.instant().plusSeconds(60))));
            clock.advance(Duration.ofMinutes(2));
            together(4, i -> (i % 2 == 0 ? first : second).sweep());
            List<Transaction> history = first.history("fresh", History.query().limit(500)).data();
            assertThat(history).filteredOn(t -> t.type() == TransactionType.EXPIRY).hasSize(32);
            assertThat(first.wallet("fresh", "credits").balance().toString()).isEqualTo("0.00");
            assertThat(first.verify().violations()).isEmpty();
        }
    }

    @Test
    void oneKeyRacedForManyCustomers_fromTwoInstances_appliesExactlyOnce() throws Exception {
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults());
        try (Credits first = Credits.open(config); Credits second = Credits.open(config)) {
            AtomicInteger granted = new AtomicInteger();
            AtomicInteger conflicts = new AtomicInteger();
            together(THREADS, i -> {
                try {
                    (i % 2 == 0 ? first : second).wallet("keyed_" + (i % 8), "credits")
                            .grant(Grant.of("1.00").idempotencyKey("payment-77"));
                    granted.incrementAndGet();
                } catch (IdempotencyConflictException e) {
                    conflicts.incrementAndGet();
                }
            });
            long total = 0;
            for (int i = 0; i < 8; i++) {
                total += first.wallet("keyed_" + i, "credits").balance().units();
            }
            assertThat(total).isEqualTo(100); // one grant of 1.00, to whoever came first
            assertThat(granted.get()).isEqualTo(THREADS / 8); // it and its replays
            assertThat(conflicts.get()).isEqualTo(THREADS - THREADS / 8);
            assertThat(first.verify().violations()).isEmpty();
        }
    }

    private static void race(List<Credits> instances, String customer) throws Exception {
        Credits credits = instances.get(0);
        credits.wallet(customer, "credits").grant(Grant.of(FUNDED_UNITS + ".00"));
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger insufficient = new AtomicInteger();
        together(THREADS, i -> {
            try {
                instances.get(i % instances.size()).wallet(customer, "credits")
                        .spend(Spend.of("1.00"));
                ok.incrementAndGet();
            } catch (InsufficientCreditsException e) {
                insufficient.incrementAndGet();
            }
        });
        assertThat(ok.get()).isEqualTo(FUNDED_UNITS);
        assertThat(insufficient.get()).isEqualTo(THREADS - FUNDED_UNITS);
        assertThat(credits.wallet(customer, "credits").balance().toString()).isEqualTo("0.00");
        List<Transaction> history = credits.history(customer, History.query().limit(500)).data();
        assertThat(history).filteredOn(t -> t.type() == TransactionType.USAGE)
                .hasSize(FUNDED_UNITS)
                .allSatisfy(t -> assertThat(t.balanceAfter().units()).isNotNegative());
        assertThat(credits.verify().violations()).isEmpty();
    }

    /** Runs {@code task(0 .. n-1)} on {@code n} threads released at once; waits for all. */
    private static void together(int n, IntConsumer task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    assertThat(start.await(60, TimeUnit.SECONDS)).isTrue();
                    task.accept(index);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
