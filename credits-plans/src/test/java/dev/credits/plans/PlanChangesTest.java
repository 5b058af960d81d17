package dev.credits.plans;

import static dev.credits.plans.Fixtures.balance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.IdempotencyConflictException;
import dev.credits.InvalidStateException;
import dev.credits.OverloadedException;
import dev.credits.Spend;
import dev.credits.StorageUnavailableException;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plan changes and cancellations are all or nothing: under a burst of concurrent changes,
 * cancels and renewals, with retries of whatever failed, and when the ledger fails between a
 * change's steps, every customer ends where one clean change would put them.
 */
class PlanChangesTest {
    static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
    static final Instant TENTH_DAY = Instant.parse("2026-03-11T00:00:00Z");
    static final int SUBSCRIPTIONS = 24;
    static final int CHANGED = 16;
    static final int TASKS = 64;

    MutableClock clock;
    PostgresLedger ledger;
    Credits credits;
    Plans plans;

    @BeforeEach
    void open() {
        clock = new MutableClock(START);
        ledger = TestDatabase.openLedger(clock, Fixtures.TYPES);
        credits = ledger.credits();
        plans = Plans.open(credits, ledger.dataSource(), Fixtures.CATALOG);
    }

    @AfterEach
    void close() {
        plans.close();
        ledger.close();
    }

    @Test
    void aBurstOfChangesCancelsAndRenewals_thenRetries_endsAsOneCleanChangeEach()
            throws Exception {
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
            subs.add(plans.create("c" + i, "pro", null, null));
        }
        Subscription changeRef = plans.create("ref-change", "pro", null, null);
        Subscription cancelRef = plans.create("ref-cancel", "pro", null, null);
        clock.set(TENTH_DAY);
        plans.change(changeRef.id(), "basic", true);
        plans.cancel(cancelRef.id(), false);

        List<Supplier<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < CHANGED; i++) {
            String id = subs.get(i).id();
            String key = "change-" + i;
            tasks.add(() -> plans.change(id, "basic", true, key));
            tasks.add(() -> plans.change(id, "basic", true, key)); // the same request, again
        }
        for (int i = CHANGED; i < SUBSCRIPTIONS; i++) {
            String id = subs.get(i).id();
            String key = "cancel-" + i;
            tasks.add(() -> plans.cancel(id, false, key));
            tasks.add(() -> plans.cancel(id, false, key));
        }
        for (int i = 0; i < 8; i++) {
            String id = subs.get(i).id();
            tasks.add(() -> plans.change(id, "basic", true)); // no key: applies once or 409
            tasks.add(() -> plans.renew(id, START)); // a replay of the first period
        }
        assertThat(tasks).hasSize(TASKS);
        Map<Integer, CreditsException> failed = runTogether(tasks);

        // Every 503-like failure is retried, as the error invites.
        for (Map.Entry<Integer, CreditsException> failure : failed.entrySet()) {
            if (isRetryable(failure.getValue())) {
                retry(tasks.get(failure.getKey()));
            } else {
                assertThat(failure.getValue()).as("task " + failure.getKey())
                        .isInstanceOf(InvalidStateException.class);
            }
        }
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
            Subscription s = plans.subscription(subs.get(i).id());
            boolean changed = i < CHANGED;
            assertThat(s.plan()).as("c" + i).isEqualTo(changed ? "basic" : "pro");
            assertThat(s.status()).as("c" + i).isEqualTo(changed ? "active" : "canceled");
            String reference = changed ? "ref-change" : "ref-cancel";
            for (String type : List.of("credits", "sms")) {
                assertThat(balance(credits, "c" + i, type)).as("c" + i + " " + type)
                        .isEqualTo(balance(credits, reference, type));
            }
        }
        assertThat(pendingOperations()).isZero();
        assertThat(credits.verify().violations()).isEmpty();
    }

    @Test
    void aChangeCutOffBetweenItsSteps_isCompletedOnce_byTheSchedulerOrTheRetry()
            throws Exception {
        Subscription cut = plans.create("cut", "pro", null, null);
        Subscription retried = plans.create("retried", "pro", null, null);
        Subscription clean = plans.create("clean", "pro", null, null);
        clock.set(TENTH_DAY);
        plans.change(clean.id(), "basic", true);
        // The ledger refuses the new plan's grants for now: the change dies after its take-back.
        sql("create function fail_plan_grants() returns trigger language plpgsql as $$"
                + " begin if new.reason like 'plan change%' and new.amount > 0"
                + " and new.customer_id <> 'clean' then raise exception 'injected failure';"
                + " end if; return new; end $$");
        sql("create trigger fail_plan_grants before insert on grants for each row"
                + " execute function fail_plan_grants()");
        assertThatThrownBy(() -> plans.change(cut.id(), "basic", true));
        assertThatThrownBy(() -> plans.change(retried.id(), "basic", true, "k-retried"));
        // Decided and recorded: the plan is changed, the rest is pending, nothing is lost.
        assertThat(plans.subscription(cut.id()).plan()).isEqualTo("basic");
        assertThat(pendingOperations()).isEqualTo(2);
        sql("drop trigger fail_plan_grants on grants");

        plans.renewDue(); // the scheduler completes what was cut off
        Subscription replay = plans.change(retried.id(), "basic", true, "k-retried");
        assertThat(replay.plan()).isEqualTo("basic");
        plans.renewDue();
        assertThat(pendingOperations()).isZero();
        for (String customer : List.of("cut", "retried")) {
            for (String type : List.of("credits", "sms")) {
                assertThat(balance(credits, customer, type)).as(customer + " " + type)
                        .isEqualTo(balance(credits, "clean", type));
            }
        }
        assertThat(credits.verify().violations()).isEmpty();
    }

    @Test
    void twoProratedChangesInOnePeriod_takeBackEachShareOnce() {
        Subscription s = plans.create("c1", "basic", null, null);
        clock.set(Instant.parse("2026-03-16T00:00:00Z")); // 16 of 31 days remain
        plans.change(s.id(), "pro", true);
        clock.set(Instant.parse("2026-03-21T00:00:00Z")); // 11 remain
        plans.change(s.id(), "basic", true);
        // basic keeps 100.00 - 51.61 = 48.39 (nothing more: its rest was taken at the first
        // change); pro's 516.12 for 16 days keeps 516.12 - floor(516.12 * 11/16) = 161.29;
        // basic again: floor(100.00 * 11/31) = 35.48. sms: 25 - floor(25 * 11/16) = 8.
        assertThat(balance(credits, "c1", "credits")).isEqualTo("245.16");
        assertThat(balance(credits, "c1", "sms")).isEqualTo("8");
        assertThat(credits.verify().violations()).isEmpty();
    }

    @Test
    void aSpendBetweenTheDecisionAndTheTakeBack_isNeverGivenBack() {
        Subscription s = plans.create("c1", "basic", null, null);
        clock.set(Instant.parse("2026-03-16T00:00:00Z")); // 16 of 31 days remain
        credits.wallet("c1", "credits").spend(Spend.of("90.00"));
        plans.change(s.id(), "pro", true);
        // 10.00 left of the old allowance, its share of the rest is 51.61: all 10.00 go back.
        assertThat(balance(credits, "c1", "credits")).isEqualTo("516.12");
        assertThat(credits.verify().violations()).isEmpty();
    }

    @Test
    void changeAndCancelWithAKey_replayTheFirstAnswer_andConflictForAnotherRequest() {
        Subscription a = plans.create("c1", "pro", null, null);
        Subscription b = plans.create("c2", "pro", null, null);
        clock.set(TENTH_DAY);
        Subscription first = plans.change(a.id(), "basic", true, "k1");
        String balanceAfter = balance(credits, "c1", "credits");
        assertThat(plans.change(a.id(), "basic", true, "k1")).isEqualTo(first.asReplay());
        assertThat(balance(credits, "c1", "credits")).isEqualTo(balanceAfter);
        assertThatThrownBy(() -> plans.change(a.id(), "pro", true, "k1"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThatThrownBy(() -> plans.change(b.id(), "basic", true, "k1"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThatThrownBy(() -> plans.cancel(a.id(), true, "k1"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThatThrownBy(() -> credits.wallet("c1", "credits").spend(Spend.of("1.00")
                .idempotencyKey("k1"))).isInstanceOf(IdempotencyConflictException.class);

        Subscription canceled = plans.cancel(b.id(), false, "k2");
        assertThat(plans.cancel(b.id(), false, "k2")).isEqualTo(canceled.asReplay());
        assertThat(balance(credits, "c2", "credits")).isEqualTo("0.00");
        assertThatThrownBy(() -> plans.cancel(b.id(), true, "k2"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThat(credits.verify().violations()).isEmpty();
    }

    @Test
    void aPurchaseKeyUsedForAnotherPaymentReference_conflictsAndGrantsNothing() {
        plans.purchase("c1", "pack_small", 1, "pi_1", "buy-1");
        assertThat(plans.purchase("c1", "pack_small", 1, "pi_1", "buy-1").replayed()).isTrue();
        assertThatThrownBy(() -> plans.purchase("c1", "pack_small", 1, "pi_2", "buy-1"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThatThrownBy(() -> plans.purchase("c1", "pack_small", 2, "pi_1", "buy-1"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThat(balance(credits, "c1", "credits")).isEqualTo("500.00");
    }

    @Test
    void concurrentPurchases_withOneKeyOrOneReference_grantOnce_andRetriesReplay()
            throws Exception {
        List<Supplier<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            tasks.add(() -> plans.purchase("c1", "pack_small", 1, "pi_race", "buy-race"));
            tasks.add(() -> plans.purchase("c2", "pack_small", 1, "pi_race"));
        }
        Map<Integer, CreditsException> failed = runTogether(tasks);
        for (Map.Entry<Integer, CreditsException> failure : failed.entrySet()) {
            assertThat(isRetryable(failure.getValue())).as(failure.getValue().toString())
                    .isTrue();
            retry(tasks.get(failure.getKey()));
        }
        assertThat(plans.purchase("c1", "pack_small", 1, "pi_race", "buy-race").replayed())
                .isTrue();
        for (String customer : List.of("c1", "c2")) {
            assertThat(balance(credits, customer, "credits")).isEqualTo("500.00");
            assertThat(balance(credits, customer, "sms")).isEqualTo("10");
        }
        assertThat(credits.verify().violations()).isEmpty();
    }

    private Map<Integer, CreditsException> runTogether(List<Supplier<Object>> tasks)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        CountDownLatch start = new CountDownLatch(1);
        Map<Integer, CreditsException> failed = new ConcurrentHashMap<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            int index = i;
            futures.add(pool.submit(() -> {
                start.await();
                try {
                    tasks.get(index).get();
                } catch (CreditsException e) {
                    failed.put(index, e);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> future : futures) {
            future.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        return failed;
    }

    private static boolean isRetryable(CreditsException e) {
        return e instanceof StorageUnavailableException || e instanceof OverloadedException;
    }

    private static void retry(Supplier<Object> task) {
        for (int attempt = 1; ; attempt++) {
            try {
                task.get();
                return;
            } catch (InvalidStateException e) {
                return; // a retry without a key that finds the change made: it is made
            } catch (CreditsException e) {
                if (!isRetryable(e) || attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private DataSource dataSource() {
        return ledger.dataSource();
    }

    private void sql(String statement) throws Exception {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private int pendingOperations() throws Exception {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from subscription_operations"
                     + " where completed_at is null")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
