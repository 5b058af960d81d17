package dev.credits.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.IdempotencyConflictException;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.Spend;
import dev.credits.ValidationException;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Auto top-up: requested once when low, completed once, disabled after three failures. */
class AutoTopupsTest {
    MutableClock clock;
    PostgresLedger ledger;
    Credits credits;
    Webhooks webhooks;
    AutoTopups topups;

    @BeforeEach
    void open() {
        clock = MutableClock.at("2026-12-01T10:00:00Z");
        ledger = TestDatabase.openLedger(clock, CreditTypes.defaults());
        credits = ledger.credits();
        webhooks = Webhooks.open(credits, ledger.backgroundDataSource(),
                WebhooksConfig.defaults().withPollIntervalMs(0));
        topups = AutoTopups.open(credits, ledger.backgroundDataSource());
    }

    @AfterEach
    void close() {
        webhooks.close();
        assertThat(credits.verify().violations()).isEmpty();
        ledger.close();
    }

    List<Event> requested(String customer) {
        return webhooks.events(customer, "topup.requested", 50, null).data();
    }

    @Test
    void aWalletBelowItsThreshold_getsOneTopUp_completedOnceWhateverTheRetries() {
        var wallet = credits.wallet("low_1", "credits");
        wallet.grant(Grant.of("20.00"));
        AutoTopups.Rule rule = topups.put("low_1", "credits", true, "10.00", null, "50.00", null,
                null);
        assertThat(rule.target().toString()).isEqualTo("50.00");
        assertThat(rule.maxPerDay()).isEqualTo(3);
        wallet.spend(Spend.of("12.00")); // 8.00 left: below 10.00
        wallet.spend(Spend.of("1.00"));  // still below: no second request while one is in flight
        webhooks.deliverDue();
        webhooks.deliverDue();
        List<Event> asked = requested("low_1");
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).data().get("amount")).isEqualTo("43.00"); // up to 50.00 from 7.00
        String id = (String) asked.get(0).data().get("topup_id");
        assertThat(topups.topup(id).status()).isEqualTo("requested");

        AutoTopups.Topup done = topups.complete(id, "pi_1");
        assertThat(done.status()).isEqualTo("succeeded");
        assertThat(topups.complete(id, "pi_1").grantId()).isEqualTo(done.grantId()); // replay
        assertThatThrownBy(() -> topups.complete(id, "pi_2"))
                .isInstanceOf(IdempotencyConflictException.class);
        assertThatThrownBy(() -> topups.fail(id, "declined"))
                .isInstanceOf(InvalidStateException.class);
        assertThat(wallet.balance().toString()).isEqualTo("50.00");
        webhooks.deliverDue();
        assertThat(webhooks.events("low_1", "topup.succeeded", 5, null).data()).hasSize(1);
        assertThat(requested("low_1")).hasSize(1); // 50.00 is not below the threshold
    }

    @Test
    void threeFailuresInARow_disableTheRule_andMaxPerDayCapsRequests() {
        var wallet = credits.wallet("low_2", "credits");
        wallet.grant(Grant.of("100.00"));
        topups.put("low_2", "credits", true, "100.00", "5.00", null, "pack_small", 24);
        for (int i = 1; i <= 3; i++) {
            wallet.spend(Spend.of("1.00"));
            webhooks.deliverDue();
            List<Event> asked = requested("low_2");
            assertThat(asked).hasSize(i);
            assertThat(asked.get(0).data().get("product")).isEqualTo("pack_small");
            AutoTopups.Topup failed = topups.fail((String) asked.get(0).data().get("topup_id"),
                    "card declined");
            assertThat(failed.status()).isEqualTo("failed");
        }
        assertThat(topups.rule("low_2", "credits").enabled()).isFalse();
        webhooks.deliverDue();
        List<Event> failures = webhooks.events("low_2", "topup.failed", 5, null).data();
        assertThat(failures).hasSize(3);
        assertThat(failures.get(0).data().get("rule_disabled")).isEqualTo(true);
        assertThat(failures.get(1).data().get("rule_disabled")).isEqualTo(false);
        wallet.spend(Spend.of("1.00"));
        webhooks.deliverDue();
        assertThat(requested("low_2")).hasSize(3); // disabled: no more

        // Enabled again with a cap of 1 a day: one request, then none until a day has passed.
        topups.put("low_2", "credits", true, "100.00", "5.00", null, null, 1);
        wallet.spend(Spend.of("1.00"));
        webhooks.deliverDue();
        assertThat(requested("low_2")).hasSize(3); // 3 made within the day already
        clock.advance(Duration.ofDays(1).plusMinutes(1));
        wallet.spend(Spend.of("1.00"));
        webhooks.deliverDue();
        assertThat(requested("low_2")).hasSize(4);
    }

    @Test
    void racingCompletions_grantOnce_whetherTheyShareTheReferenceOrNot() throws Exception {
        var wallet = credits.wallet("race_1", "credits");
        wallet.grant(Grant.of("5.00"));
        topups.put("race_1", "credits", true, "10.00", "20.00", null, null, null);
        wallet.spend(Spend.of("1.00"));
        webhooks.deliverDue();
        String id = (String) requested("race_1").get(0).data().get("topup_id");
        int threads = 16;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<java.util.concurrent.Future<String>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String reference = i % 2 == 0 ? "pi_same" : "pi_other_" + i;
            calls.add(pool.submit(() -> {
                start.await();
                for (int attempt = 1; ; attempt++) {
                    try {
                        return topups.complete(id, reference).grantId();
                    } catch (dev.credits.StorageUnavailableException e) {
                        if (attempt >= 20) {
                            throw e; // retried like a 503
                        }
                    } catch (IdempotencyConflictException e) {
                        return "conflict";
                    }
                }
            }));
        }
        java.util.Set<String> grants = new java.util.HashSet<>();
        int conflicts = 0;
        for (var call : calls) {
            String result = call.get(60, java.util.concurrent.TimeUnit.SECONDS);
            if (result.equals("conflict")) {
                conflicts++;
            } else {
                grants.add(result);
            }
        }
        pool.shutdown();
        assertThat(grants).hasSize(1); // every completion that won names the one grant
        assertThat(conflicts).isBetween(threads / 2 - 1, threads - 1);
        assertThat(wallet.balance().toString()).isEqualTo("24.00"); // 4.00 + 20.00, once
        assertThat(credits.grants("race_1", "credits", true)).hasSize(2);
    }

    @Test
    void aFailureAloneAsksForNothing_andARequestNobodyAnswersLapsesAfterADay() {
        var wallet = credits.wallet("low_3", "credits");
        wallet.grant(Grant.of("20.00"));
        topups.put("low_3", "credits", true, "15.00", "10.00", null, null, 24);
        wallet.spend(Spend.of("6.00"));
        webhooks.deliverDue();
        String first = (String) requested("low_3").get(0).data().get("topup_id");
        topups.fail(first, "declined");
        webhooks.deliverDue();
        webhooks.deliverDue();
        assertThat(requested("low_3")).hasSize(1); // no change to the wallet, no new request
        wallet.spend(Spend.of("1.00"));
        webhooks.deliverDue();
        assertThat(requested("low_3")).hasSize(2);
        String second = (String) requested("low_3").get(0).data().get("topup_id");
        // Nobody completes or fails it: a day later it lapses, and the next change asks again.
        clock.advance(AutoTopups.REQUEST_LIFETIME.plusMinutes(1));
        wallet.spend(Spend.of("1.00"));
        webhooks.deliverDue();
        assertThat(topups.topup(second).status()).isEqualTo("failed");
        assertThat(topups.topup(second).reason()).contains("lapsed");
        assertThat(requested("low_3")).hasSize(3);
        assertThat(topups.rule("low_3", "credits").failuresInRow()).isEqualTo(1);
    }

    @Test
    void badRulesAndUnknownTopUps_areRefused_andWriteNothing() {
        String[][] bad = {
                {"-1.00", "5.00", null, "1"}, {"1.00", null, null, "1"},
                {"1.00", "5.00", "9.00", "1"}, {"1.00", "0", null, "1"},
                {"10.00", null, "5.00", "1"}, {"1.00", "5.00", null, "0"},
                {"1.00", "5.00", null, "25"}, {"1.001", "5.00", null, "1"}};
        for (String[] b : bad) {
            assertThatThrownBy(() -> topups.put("bad_1", "credits", true, b[0], b[1], b[2],
                    null, Integer.parseInt(b[3]))).as(String.join(" ", java.util.Arrays
                    .stream(b).map(String::valueOf).toList()))
                    .isInstanceOf(dev.credits.CreditsException.class);
        }
        assertThatThrownBy(() -> topups.rule("bad_1", "credits"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> topups.put("bad_1", "gold", true, "1", "1", null, null, 1))
                .isInstanceOf(dev.credits.UnknownCreditTypeException.class);
        assertThatThrownBy(() -> topups.put("bad_1", "credits", true, "1", "1", null,
                "x".repeat(129), 1)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> topups.complete("tpu_nope", "pi_1"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> topups.complete("tpu_nope", ""))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> topups.fail("tpu_nope", null))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> topups.delete("bad_1", "credits"))
                .isInstanceOf(NotFoundException.class);
        topups.put("bad_1", "credits", false, "1.00", "5.00", null, null, null);
        topups.delete("bad_1", "credits");
        assertThatThrownBy(() -> topups.rule("bad_1", "credits"))
                .isInstanceOf(NotFoundException.class);
    }
}
