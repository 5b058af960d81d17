package dev.credits.plans;

import static dev.credits.plans.Fixtures.balance;
import static dev.credits.plans.Fixtures.periodGrants;
import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Credits;
import dev.credits.GrantSource;
import dev.credits.Spend;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SubscriptionsTest {
    MutableClock clock;
    PostgresLedger ledger;
    Credits credits;
    Plans plans;

    void open(String start) {
        clock = MutableClock.at(start);
        ledger = TestDatabase.openLedger(clock, Fixtures.TYPES);
        credits = ledger.credits();
        plans = Plans.open(credits, ledger.dataSource(), Fixtures.CATALOG);
    }

    @AfterEach
    void close() {
        plans.close();
        ledger.close();
    }

    /** Moves the clock to each anniversary in turn and runs the renewals due there. */
    List<String> renewMonthly(Subscription s, int months) {
        List<String> starts = new ArrayList<>();
        for (int n = 1; n <= months; n++) {
            clock.set(Periods.anniversary(s.startedAt(), n));
            plans.renewDue();
            credits.sweep();
            starts.add(plans.subscription(s.id()).allowancePeriodStart().toString());
        }
        return starts;
    }

    @Test
    void yearOfAMonthlyPlan_anchoredOnThe31st_grantsEachAnniversaryOnce() {
        open("2026-01-31T10:00:00Z");
        Subscription s = plans.create("c1", "basic", null, null);
        assertThat(s.currentPeriodEnd()).isEqualTo(Instant.parse("2026-02-28T10:00:00Z"));
        List<String> starts = renewMonthly(s, 12);
        assertThat(starts).extracting(t -> t.substring(0, 10)).containsExactly("2026-02-28",
                "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31",
                "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31",
                "2027-01-31");
        plans.renewDue(); // nothing more is due
        assertThat(balance(credits, "c1", "credits")).isEqualTo("100.00");
        assertThat(credits.grants("c1", "credits", true)).hasSize(13)
                .allMatch(g -> g.source() == GrantSource.SUBSCRIPTION);
        assertThat(credits.verify().isClean()).isTrue();
    }

    @Test
    void yearOfAYearlyPlan_anchoredOnThe31st_monthlyAllowanceAndAYearlyPeriod() {
        open("2028-01-31T00:00:00Z");
        Subscription s = plans.create("c1", "pro_year", null, null);
        assertThat(s.currentPeriodEnd()).isEqualTo(Instant.parse("2029-01-31T00:00:00Z"));
        List<String> starts = renewMonthly(s, 12);
        assertThat(starts.get(0)).isEqualTo("2028-02-29T00:00:00Z");
        assertThat(starts.get(2)).isEqualTo("2028-04-30T00:00:00Z");
        assertThat(starts.get(11)).isEqualTo("2029-01-31T00:00:00Z");
        assertThat(credits.grants("c1", "credits", true)).hasSize(13);
        assertThat(plans.subscription(s.id()).currentPeriodEnd())
                .isEqualTo(Instant.parse("2030-01-31T00:00:00Z"));
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1000.00");
    }

    @Test
    void billedElsewhere_renewsOnlyThroughWhatWasPaid_andAChangeMeanwhileDoesNotRenewIt() {
        open("2026-03-01T00:00:00Z");
        Instant april = Instant.parse("2026-04-01T00:00:00Z");
        Subscription s = plans.create("paid_1", "basic", null, "k-paid-1",
                Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(balance(credits, "paid_1", "credits")).isEqualTo("100.00");
        clock.set(april.plusSeconds(86_400 * 5)); // the April invoice is unpaid
        plans.renewDue();
        assertThat(plans.subscription(s.id()).allowancePeriodStart()).isEqualTo(
                Instant.parse("2026-03-01T00:00:00Z"));
        // A change while unpaid after the period ended neither renews nor fails.
        assertThat(plans.change(s.id(), "pro", true).plan()).isEqualTo("pro");
        assertThat(credits.grants("paid_1", "credits", true)).hasSize(1);
        // Paid: the period that is current now is granted, with the plan now in force, once.
        plans.payThrough(s.id(), Instant.parse("2026-05-01T00:00:00Z"));
        plans.payThrough(s.id(), Instant.parse("2026-05-01T00:00:00Z"));
        plans.payThrough(s.id(), Instant.parse("2026-04-15T00:00:00Z")); // never shortens
        plans.renewDue();
        assertThat(plans.subscription(s.id()).allowancePeriodStart()).isEqualTo(april);
        // Pro's allowance, and what basic left rolled over under pro's rollover.
        assertThat(periodGrants(credits, "paid_1", "credits", s.id(), april.toString()))
                .extracting(g -> g.metadata().get("kind") + " " + g.amount())
                .containsExactlyInAnyOrder("allowance 1000.00", "rollover 100.00");
        clock.set(Instant.parse("2026-05-01T00:00:00Z"));
        plans.renewDue(); // May is not paid for
        assertThat(plans.subscription(s.id()).allowancePeriodStart()).isEqualTo(april);
        // April's payment seen again after May began grants May nothing; May's own does.
        clock.set(Instant.parse("2026-05-03T00:00:00Z"));
        plans.payThrough(s.id(), Instant.parse("2026-05-01T00:00:00Z"));
        assertThat(plans.subscription(s.id()).allowancePeriodStart()).isEqualTo(april);
        plans.payThrough(s.id(), Instant.parse("2026-06-01T00:00:00Z"));
        assertThat(plans.subscription(s.id()).allowancePeriodStart()).isEqualTo(
                Instant.parse("2026-05-01T00:00:00Z"));
        assertThat(credits.verify().violations()).isEmpty();
    }

    @Test
    void aPurchase_carriesThePriceTimesTheQuantityAsItsCostBasis_onItsFirstGrant() {
        open("2026-03-01T00:00:00Z");
        Purchase bought = plans.purchase("buyer", "pack_small", 2, "pay_cost_1");
        assertThat(bought.grants()).hasSize(2);
        // 18.00 split in proportion to units: 100,000 of credits, 20 SMS.
        assertThat(bought.grants().get(0).costBasis()).isEqualTo(
                dev.credits.Money.parse("17.99", "usd")); // floor(1800 × 100000 / 100020)
        assertThat(bought.grants().get(1).costBasis()).isEqualTo(
                dev.credits.Money.parse("0.01", "usd")); // the remainder: 18.00 in all
        Purchase discounted = plans.purchase("buyer", "pack_small", 1, "pay_cost_2", null,
                dev.credits.Money.parse("4.50", "usd"));
        assertThat(discounted.grants().get(0).costBasis().toString()).isEqualTo("4.49");
        assertThat(credits.wallet("buyer", "credits").state().paidRemaining().toString())
                .isEqualTo("1500.00");
    }

    @Test
    void startedInThePast_grantsOnlyTheCurrentPeriod() {
        open("2026-05-10T00:00:00Z");
        Subscription s = plans.create("c1", "basic", Instant.parse("2026-01-31T00:00:00Z"), null);
        assertThat(s.allowancePeriodStart()).isEqualTo(Instant.parse("2026-04-30T00:00:00Z"));
        assertThat(credits.grants("c1", "credits", true)).singleElement()
                .satisfies(g -> assertThat(g.effectiveAt()).isEqualTo(s.allowancePeriodStart()));
    }

    @Test
    void upgradeWithProration_voidsTheRestOfTheOldAllowanceAndGrantsTheNewShare() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "basic", null, null);
        clock.set(Instant.parse("2026-03-16T00:00:00Z")); // 16 of 31 days remain
        Subscription changed = plans.change(s.id(), "pro", true);
        assertThat(changed.plan()).isEqualTo("pro");
        // kept 100.00 - floor(100.00 * 16/31) = 48.39; new floor(1000.00 * 16/31) = 516.12
        assertThat(balance(credits, "c1", "credits")).isEqualTo("564.51");
        assertThat(balance(credits, "c1", "sms")).isEqualTo("25");
        // The old allowance keeps its used share; the rest is taken back with a void entry.
        assertThat(credits.grants("c1", "credits", true)).extracting(g -> g.status().wireName()
                + " " + g.remaining()).containsExactlyInAnyOrder("active 48.39", "active 516.12");
        assertThat(credits.history("c1", dev.credits.History.query().creditType("credits")
                .type(dev.credits.TransactionType.VOID)).data()).singleElement()
                .satisfies(t -> assertThat(t.amount().toString()).isEqualTo("-51.61"));
        clock.set(Instant.parse("2026-04-01T00:00:00Z"));
        plans.renewDue();
        credits.sweep();
        // pro's rollover: the 564.51 left, capped at 500.00
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1500.00");
    }

    @Test
    void upgradeWithProration_afterSpending_takesBackOnlyWhatIsLeft() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "basic", null, null);
        credits.wallet("c1", "credits").spend(Spend.of("60.00"));
        clock.set(Instant.parse("2026-03-16T00:00:00Z"));
        plans.change(s.id(), "pro", true);
        assertThat(balance(credits, "c1", "credits")).isEqualTo("516.12");
    }

    @Test
    void upgradeWithoutProration_takesEffectAtTheNextRenewal() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "basic", null, null);
        clock.set(Instant.parse("2026-03-16T00:00:00Z"));
        Subscription changed = plans.change(s.id(), "pro", false);
        assertThat(changed.plan()).isEqualTo("basic");
        assertThat(changed.pendingPlan()).isEqualTo("pro");
        assertThat(balance(credits, "c1", "credits")).isEqualTo("100.00");
        clock.set(Instant.parse("2026-04-01T00:00:00Z"));
        plans.renewDue();
        assertThat(plans.subscription(s.id()).plan()).isEqualTo("pro");
        // the new plan's rule decides rollover: basic's 100.00 left, under pro's cap
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1100.00");
    }

    @Test
    void downgradeWithProration_keepsTheUsedShare() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "pro", null, null);
        clock.set(Instant.parse("2026-03-16T00:00:00Z"));
        plans.change(s.id(), "basic", true);
        // kept 1000.00 - 516.12 = 483.88; new floor(100.00 * 16/31) = 51.61
        assertThat(balance(credits, "c1", "credits")).isEqualTo("535.49");
        assertThat(balance(credits, "c1", "sms")).isEqualTo("25");
    }

    @Test
    void downgradeWithoutProration_nextPeriodIsTheSmallerPlanWithoutRollover() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "pro", null, null);
        clock.set(Instant.parse("2026-03-16T00:00:00Z"));
        plans.change(s.id(), "basic", false);
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1000.00");
        clock.set(Instant.parse("2026-04-01T00:00:00Z"));
        plans.renewDue();
        credits.sweep();
        assertThat(balance(credits, "c1", "credits")).isEqualTo("100.00");
        assertThat(balance(credits, "c1", "sms")).isEqualTo("0");
    }

    @Test
    void rolloverCap_inAmount() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "pro", null, null);
        credits.wallet("c1", "credits").spend(Spend.of("200.00"));
        credits.wallet("c1", "sms").spend(Spend.of("45"));
        clock.set(Instant.parse("2026-04-01T00:00:00Z"));
        plans.renewDue();
        credits.sweep(); // the 300.00 over the cap expires
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1500.00");
        assertThat(balance(credits, "c1", "sms")).isEqualTo("55");
        assertThat(periodGrants(credits, "c1", "credits", s.id(), "2026-04-01T00:00:00Z"))
                .allMatch(g -> g.expiresAt().equals(Instant.parse("2026-05-01T00:00:00Z")))
                .hasSize(2);
    }

    @Test
    void rolloverCap_inPercent() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "pct", null, null);
        credits.wallet("c1", "credits").spend(Spend.of("100.00"));
        clock.set(Instant.parse("2026-04-01T00:00:00Z"));
        plans.renewDue();
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1250.00"); // 25 % of 1000.00
        credits.wallet("c1", "credits").spend(Spend.of("1150.00"));
        clock.set(Instant.parse("2026-05-01T00:00:00Z"));
        credits.sweep(); // expiry first this time: the rollover reads the recorded expiry
        plans.renewDue();
        assertThat(balance(credits, "c1", "credits")).isEqualTo("1100.00");
        assertThat(plans.subscription(s.id()).allowancePeriodStart())
                .isEqualTo(Instant.parse("2026-05-01T00:00:00Z"));
    }

    @Test
    void cancelNow_voidsTheRemainingAllowanceAndStopsRenewals() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "pro", null, null);
        credits.wallet("c1", "credits").spend(Spend.of("100.00"));
        clock.set(Instant.parse("2026-03-10T00:00:00Z"));
        Subscription canceled = plans.cancel(s.id(), false);
        assertThat(canceled.status()).isEqualTo("canceled");
        assertThat(canceled.cancelAt()).isEqualTo(Instant.parse("2026-03-10T00:00:00Z"));
        assertThat(balance(credits, "c1", "credits")).isEqualTo("0.00");
        assertThat(balance(credits, "c1", "sms")).isEqualTo("0");
        clock.set(Instant.parse("2026-05-01T00:00:00Z"));
        assertThat(plans.renewDue()).isZero();
        assertThat(balance(credits, "c1", "credits")).isEqualTo("0.00");
    }

    @Test
    void cancelAtPeriodEnd_ofAYearlyPlan_renewsMonthlyUntilTheYearEnds() {
        open("2028-01-31T00:00:00Z");
        Subscription s = plans.create("c1", "pro_year", null, null);
        clock.set(Instant.parse("2028-03-10T00:00:00Z"));
        plans.renewDue();
        Subscription canceling = plans.cancel(s.id(), true);
        assertThat(canceling.status()).isEqualTo("active");
        assertThat(canceling.cancelAt()).isEqualTo(Instant.parse("2029-01-31T00:00:00Z"));
        List<String> starts = renewMonthly(s, 13);
        assertThat(starts.get(10)).isEqualTo("2028-12-31T00:00:00Z");
        assertThat(starts.get(12)).isEqualTo("2028-12-31T00:00:00Z"); // no 2029 periods
        assertThat(plans.subscription(s.id()).status()).isEqualTo("canceled");
        assertThat(credits.grants("c1", "credits", true)).hasSize(12);
        assertThat(balance(credits, "c1", "credits")).isEqualTo("0.00");
    }

    @Test
    void cancelAtPeriodEnd_ofAMonthlyPlan_endsAtTheAnniversary() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "basic", null, null);
        assertThat(plans.cancel(s.id(), true).cancelAt())
                .isEqualTo(Instant.parse("2026-04-01T00:00:00Z"));
        assertThat(balance(credits, "c1", "credits")).isEqualTo("100.00");
        clock.set(Instant.parse("2026-04-01T00:00:00Z"));
        assertThat(plans.renewDue()).isZero();
        credits.sweep();
        assertThat(plans.subscription(s.id()).status()).isEqualTo("canceled");
        assertThat(balance(credits, "c1", "credits")).isEqualTo("0.00");
    }

    @Test
    void renew_forAPastPeriod_isAReplay_andCreateIsIdempotentByKey() {
        open("2026-03-01T00:00:00Z");
        Subscription s = plans.create("c1", "basic", null, "k1");
        assertThat(plans.create("c1", "basic", null, "k1").id()).isEqualTo(s.id());
        plans.renew(s.id(), Instant.parse("2026-03-01T00:00:00Z"));
        clock.set(Instant.parse("2026-04-02T00:00:00Z"));
        plans.renew(s.id(), Instant.parse("2026-04-01T00:00:00Z"));
        plans.renew(s.id(), Instant.parse("2026-04-01T00:00:00Z"));
        plans.renewDue();
        assertThat(credits.grants("c1", "credits", true)).hasSize(2);
        assertThat(plans.subscriptions("c1")).hasSize(1);
    }
}
