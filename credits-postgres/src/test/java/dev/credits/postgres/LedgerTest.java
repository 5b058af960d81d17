package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.Hold;
import dev.credits.HoldStatus;
import dev.credits.IdempotencyConflictException;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidAmountException;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.OverdraftLimit;
import dev.credits.Spend;
import dev.credits.SpendResult;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.UnknownCreditTypeException;
import dev.credits.ValidationException;
import dev.credits.Wallet;
import dev.credits.event.BalanceLow;
import dev.credits.event.CreditsEvent;
import dev.credits.event.CreditsExpired;
import dev.credits.event.CreditsGranted;
import dev.credits.event.CreditsSpent;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ledger's behaviour through the Java API, on a real PostgreSQL. */
class LedgerTest {
    static final CreditTypes TYPES = CreditTypes.of(List.of(
            new CreditType("credits", "Credits", null, 2, OverdraftLimit.none(), 1000L),
            new CreditType("sms", "SMS", "✉", 0, OverdraftLimit.of(5), null)));
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    MutableClock clock;
    Credits credits;
    Wallet wallet;

    @BeforeEach
    void open() {
        clock = new MutableClock(T0);
        credits = TestDatabase.open(clock, TYPES);
        wallet = credits.wallet("user_42", "credits");
    }

    @AfterEach
    void close() {
        assertThat(credits.verify().violations()).isEmpty();
        credits.close();
    }

    @Test
    void spend_burnsDownByPriorityThenExpiryThenEffectiveThenAge() {
        GrantRecord neverExpires = wallet.grant(Grant.of("10.00"));
        GrantRecord late = wallet.grant(Grant.of("10.00").expiresAt(T0.plusSeconds(7200)));
        GrantRecord early = wallet.grant(Grant.of("10.00").expiresAt(T0.plusSeconds(3600)));
        GrantRecord urgent = wallet.grant(Grant.of("10.00").priority(10));
        GrantRecord backdated = wallet.grant(Grant.of("10.00").effectiveAt(T0.minusSeconds(60)));

        SpendResult spend = wallet.spend(Spend.of("45.00"));

        assertThat(spend.allocations()).extracting(Allocation::grantId).containsExactly(
                urgent.id(), early.id(), late.id(), backdated.id(), neverExpires.id());
        assertThat(spend.allocations().get(4).amount().toString()).isEqualTo("5.00");
        assertThat(credits.grants("user_42", "credits", false)).extracting(GrantRecord::id)
                .containsExactly(neverExpires.id());
    }

    @Test
    void spend_moreThanAvailable_isRejectedAndWritesNothing() {
        wallet.grant(Grant.of("5.00"));
        assertThatThrownBy(() -> wallet.spend(Spend.of("5.01")))
                .isInstanceOfSatisfying(InsufficientCreditsException.class, e -> {
                    assertThat(e.getBalance().toString()).isEqualTo("5.00");
                    assertThat(e.getRequired().toString()).isEqualTo("5.01");
                });
        assertThat(history()).hasSize(1);
        assertThat(wallet.canSpend("5.00")).isTrue();
        assertThat(wallet.canSpend("5.01")).isFalse();
    }

    @Test
    void overdraft_allowsDebtToTheLimit_andANewGrantPaysTheDebtFirst() {
        wallet.setOverdraftLimit(OverdraftLimit.of(5_000));
        wallet.grant(Grant.of("10.00"));
        SpendResult spend = wallet.spend(Spend.of("60.00"));
        assertThat(spend.balance().toString()).isEqualTo("-50.00");
        assertThat(spend.allocations().get(1).grantId()).isNull();
        assertThatThrownBy(() -> wallet.spend(Spend.of("0.01")))
                .isInstanceOf(InsufficientCreditsException.class);

        GrantRecord topUp = wallet.grant(Grant.of("80.00"));
        assertThat(topUp.remaining().toString()).isEqualTo("30.00");
        assertThat(topUp.balance().toString()).isEqualTo("30.00");

        wallet.setOverdraftLimit(OverdraftLimit.ofUnlimited());
        assertThat(wallet.spend(Spend.of("1000000.00")).balance().toString())
                .isEqualTo("-999970.00");
        assertThat(wallet.setOverdraftLimit(null).overdraftLimit()).isEqualTo(OverdraftLimit.none());
    }

    @Test
    void creditTypeDefaultOverdraft_appliesUnlessTheWalletOverrides() {
        Wallet sms = credits.wallet("user_42", "sms");
        assertThat(sms.spend(Spend.of("5")).balance().toString()).isEqualTo("-5");
        assertThatThrownBy(() -> sms.spend(Spend.of("1")))
                .isInstanceOf(InsufficientCreditsException.class);
    }

    @Test
    void expiredCredits_leaveTheBalanceAtOnce_andTheSweepRecordsThemAtExpiresAt() {
        Instant expiry = T0.plusSeconds(3600);
        GrantRecord grant = wallet.grant(Grant.of("30.00").expiresAt(expiry));
        wallet.grant(Grant.of("5.00"));
        clock.advance(Duration.ofHours(2));

        assertThat(wallet.balance().toString()).isEqualTo("5.00");
        assertThat(credits.grant(grant.id()).status()).isEqualTo(GrantStatus.EXPIRED);
        assertThat(history()).extracting(Transaction::type).doesNotContain(TransactionType.EXPIRY);

        assertThat(credits.sweep()).isEqualTo(1);
        assertThat(credits.sweep()).isZero();
        Transaction expiryEntry = history().get(0);
        assertThat(expiryEntry.type()).isEqualTo(TransactionType.EXPIRY);
        assertThat(expiryEntry.amount().toString()).isEqualTo("-30.00");
        assertThat(expiryEntry.effectiveAt()).isEqualTo(expiry);
        assertThat(expiryEntry.grantId()).isEqualTo(grant.id());
    }

    @Test
    void expiredGrant_isNeverSpentFrom_evenBeforeTheSweep() {
        wallet.grant(Grant.of("30.00").expiresAt(T0.plusSeconds(60)));
        clock.advance(Duration.ofMinutes(5));
        assertThatThrownBy(() -> wallet.spend(Spend.of("1.00")))
                .isInstanceOf(InsufficientCreditsException.class);
    }

    @Test
    void balanceAt_reportsThePastIncludingExpiryAtItsTime() {
        wallet.grant(Grant.of("30.00").expiresAt(T0.plusSeconds(3600)));
        clock.advance(Duration.ofMinutes(10));
        wallet.spend(Spend.of("10.00"));
        clock.advance(Duration.ofHours(3));

        assertThat(wallet.balanceAt(T0.minusSeconds(1)).toString()).isEqualTo("0.00");
        assertThat(wallet.balanceAt(T0.plusSeconds(300)).toString()).isEqualTo("30.00");
        assertThat(wallet.balanceAt(T0.plusSeconds(1800)).toString()).isEqualTo("20.00");
        assertThat(wallet.balanceAt(T0.plusSeconds(3600)).toString()).isEqualTo("0.00");
        credits.sweep();
        assertThat(wallet.balanceAt(T0.plusSeconds(1800)).toString()).isEqualTo("20.00");
        assertThat(wallet.balanceAt(T0.plusSeconds(3600)).toString()).isEqualTo("0.00");
    }

    @Test
    void stateAt_showsWhatHoldsReservedThen() {
        wallet.grant(Grant.of("10.00"));
        Hold captured = wallet.hold("4.00", Duration.ofMinutes(15));
        wallet.hold("1.00", Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(5));
        captured.capture("3.00");
        clock.advance(Duration.ofMinutes(5));

        var then = wallet.stateAt(T0.plusSeconds(30));
        assertThat(then.balance().toString()).isEqualTo("10.00");
        assertThat(then.held().toString()).isEqualTo("5.00");
        assertThat(then.available().toString()).isEqualTo("5.00");
        var later = wallet.stateAt(T0.plusSeconds(120));
        assertThat(later.held().toString()).isEqualTo("4.00");
        var now = wallet.stateAt(clock.instant());
        assertThat(now.held().toString()).isEqualTo("0.00");
        assertThat(now.balance().toString()).isEqualTo("7.00");
        assertThat(now.asOf()).isEqualTo(clock.instant());
    }

    @Test
    void hold_reservesAvailable_captureSpendsAndReleasesTheRest() {
        wallet.grant(Grant.of("10.00"));
        Hold hold = wallet.hold("6.00", Duration.ofMinutes(15));
        assertThat(wallet.state().held().toString()).isEqualTo("6.00");
        assertThat(wallet.available().toString()).isEqualTo("4.00");
        assertThatThrownBy(() -> wallet.spend(Spend.of("4.01")))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThatThrownBy(() -> wallet.hold("4.01", Duration.ofMinutes(1)))
                .isInstanceOf(InsufficientCreditsException.class);

        Hold captured = hold.capture("3.20");
        assertThat(captured.record().status()).isEqualTo(HoldStatus.CAPTURED);
        assertThat(captured.record().captured().toString()).isEqualTo("3.20");
        assertThat(wallet.state().held().toString()).isEqualTo("0.00");
        assertThat(wallet.balance().toString()).isEqualTo("6.80");
        assertThat(history().get(0).holdId()).isEqualTo(hold.id());

        assertThatThrownBy(() -> hold.capture("1.00")).isInstanceOf(InvalidStateException.class);
        assertThatThrownBy(hold::release).isInstanceOf(InvalidStateException.class);
    }

    @Test
    void capture_upToTheHeld_succeedsEvenIfItsGrantsExpired() {
        wallet.grant(Grant.of("10.00").expiresAt(T0.plusSeconds(120)));
        Hold hold = wallet.hold("8.00", Duration.ofMinutes(30));
        clock.advance(Duration.ofMinutes(5));
        assertThat(wallet.balance().toString()).isEqualTo("0.00");

        hold.capture("8.00");
        assertThat(wallet.balance().toString()).isEqualTo("-8.00");
    }

    @Test
    void capture_moreThanHeld_spendsTheExtraUnderTheLimit() {
        wallet.grant(Grant.of("10.00"));
        Hold hold = wallet.hold("5.00", Duration.ofMinutes(30));
        assertThatThrownBy(() -> hold.capture("10.01"))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(credits.hold(hold.id()).status()).isEqualTo(HoldStatus.HELD);
        hold.capture("10.00");
        assertThat(wallet.balance().toString()).isEqualTo("0.00");
    }

    @Test
    void hold_expiresByItself_andCannotBeCapturedAfter() {
        wallet.grant(Grant.of("10.00"));
        Hold hold = wallet.hold("5.00", Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(61));
        assertThat(wallet.available().toString()).isEqualTo("10.00");
        assertThat(credits.hold(hold.id()).status()).isEqualTo(HoldStatus.EXPIRED);
        assertThatThrownBy(() -> hold.capture("1.00")).isInstanceOf(InvalidStateException.class);
        credits.sweep();
        assertThat(credits.hold(hold.id()).status()).isEqualTo(HoldStatus.EXPIRED);
    }

    @Test
    void void_dropsWhatRemained_andTwiceIsInvalidState() {
        GrantRecord grant = wallet.grant(Grant.of("10.00"));
        wallet.spend(Spend.of("4.00"));
        GrantRecord voided = credits.voidGrant(grant.id(), "chargeback", null);
        assertThat(voided.status()).isEqualTo(GrantStatus.VOIDED);
        assertThat(voided.remaining().toString()).isEqualTo("0.00");
        assertThat(voided.balance().toString()).isEqualTo("0.00");
        assertThat(history().get(0).amount().toString()).isEqualTo("-6.00");
        assertThatThrownBy(() -> credits.voidGrant(grant.id(), null, null))
                .isInstanceOf(InvalidStateException.class).hasMessageContaining("voided");
        assertThatThrownBy(() -> credits.voidGrant("grt_nope", null, null))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void adjustments_areSignedCorrections_negativeIgnoresTheOverdraftLimit() {
        Transaction plus = wallet.adjust("5.00", "goodwill", null);
        assertThat(plus.type()).isEqualTo(TransactionType.ADJUSTMENT);
        assertThat(plus.source()).isEqualTo(GrantSource.ADJUSTMENT);
        Transaction minus = wallet.adjust("-7.00", "correction", null);
        assertThat(minus.amount().toString()).isEqualTo("-7.00");
        assertThat(wallet.balance().toString()).isEqualTo("-2.00");
        assertThatThrownBy(() -> wallet.adjust("0", "x", null))
                .isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> wallet.adjust("1.00", " ", null))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void idempotencyKey_replaysTheFirstResult_andADifferentRequestConflicts() {
        GrantRecord first = wallet.grant(Grant.of("10.00").idempotencyKey("pay_1"));
        GrantRecord again = wallet.grant(Grant.of("10.00").idempotencyKey("pay_1"));
        assertThat(again).isEqualTo(first);
        assertThat(wallet.balance().toString()).isEqualTo("10.00");
        assertThatThrownBy(() -> wallet.grant(Grant.of("11.00").idempotencyKey("pay_1")))
                .isInstanceOf(IdempotencyConflictException.class);

        SpendResult spend = wallet.spend(Spend.of("1.00").idempotencyKey("req_1"));
        wallet.spend(Spend.of("1.00"));
        assertThat(wallet.spend(Spend.of("1.00").idempotencyKey("req_1"))).isEqualTo(spend);
        assertThat(wallet.balance().toString()).isEqualTo("8.00");
    }

    @Test
    void idempotencyKeys_areKeptThirtyDays_thenForgottenBySweep() {
        SpendResult first = spendWithKey("req_old");
        wallet.grant(Grant.of("10.00"));
        clock.advance(Duration.ofDays(29));
        credits.sweep();
        assertThat(spendWithKey("req_old")).isEqualTo(first);
        clock.advance(Duration.ofDays(2));
        credits.sweep();
        assertThat(spendWithKey("req_old").transactionId()).isNotEqualTo(first.transactionId());
    }

    private SpendResult spendWithKey(String key) {
        if (wallet.balance().isZero()) {
            wallet.grant(Grant.of("10.00"));
        }
        return wallet.spend(Spend.of("1.00").idempotencyKey(key));
    }

    @Test
    void eventsNotYetDelivered_areDeliveredFromTheOutboxAfterARestart() throws Exception {
        CreditsConfig config = TestDatabase.newConfig(clock, TYPES);
        try (Credits first = Credits.open(config)) {
            first.wallet("user_9", "credits").grant(Grant.of("3.00"));
        }
        List<CreditsEvent> seen = new CopyOnWriteArrayList<>();
        try (Credits second = Credits.open(config)) {
            second.events().on(CreditsGranted.class, seen::add);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(seen).hasSize(1);
            assertThat(((CreditsGranted) seen.get(0)).customerId()).isEqualTo("user_9");
        }
    }

    @Test
    void history_paginatesNewestFirst_filtersByType_andGroupsUsageDaily() {
        credits.wallet("user_42", "sms").grant(Grant.of("50"));
        wallet.grant(Grant.of("100.00"));
        for (int i = 0; i < 5; i++) {
            wallet.spend(Spend.of("1.00").feature("chat"));
        }
        clock.advance(Duration.ofDays(1));
        wallet.spend(Spend.of("2.00").feature("chat"));
        wallet.spend(Spend.of("3.00").feature("sms"));

        HistoryPage page = credits.history("user_42", History.query().limit(3));
        assertThat(page.data()).hasSize(3);
        HistoryPage rest = credits.history("user_42", History.query().limit(50)
                .after(page.nextCursor()));
        assertThat(rest.data()).hasSize(6);
        assertThat(rest.nextCursor()).isNull();
        assertThat(page.data().get(0).amount().toString()).isEqualTo("-3.00");

        assertThat(credits.history("user_42", History.query().type(TransactionType.GRANT))
                .data()).hasSize(2);
        assertThat(credits.history("user_42", History.query().creditType("sms")).data())
                .hasSize(1);

        List<Transaction> daily = credits.history("user_42",
                History.query().creditType("credits").groupDaily()).data();
        assertThat(daily).extracting(t -> t.type() + ":" + t.feature() + ":" + t.amount() + ":"
                + t.count()).containsExactly("USAGE:sms:-3.00:1", "USAGE:chat:-2.00:1",
                "USAGE:chat:-5.00:5", "GRANT:null:100.00:null");
        assertThat(history()).hasSize(9);
    }

    @Test
    void history_cursorFromAnotherQuery_isRejected() {
        wallet.grant(Grant.of("1.00"));
        wallet.grant(Grant.of("1.00"));
        String cursor = credits.history("user_42", History.query().limit(1)).nextCursor();
        assertThatThrownBy(() -> credits.history("user_7", History.query().after(cursor)))
                .isInstanceOf(ValidationException.class).hasMessageContaining("cursor");
        assertThatThrownBy(() -> credits.history("user_42", History.query().after("Zm9yZ2Vk")))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void events_reachListenersAfterCommit_andBalanceLowFiresOnCrossing() throws Exception {
        List<CreditsEvent> seen = new CopyOnWriteArrayList<>();
        credits.events().on(CreditsEvent.class, seen::add);
        wallet.grant(Grant.of("15.00").expiresAt(T0.plusSeconds(60)));
        wallet.spend(Spend.of("4.00").feature("chat")); // 11.00: still above the 10.00 threshold
        wallet.spend(Spend.of("2.00").feature("chat")); // 9.00: crosses it
        clock.advance(Duration.ofMinutes(2));
        credits.sweep();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (seen.size() < 7 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // A grant expiring within 7 days is announced at once; the expiry takes what was left,
        // and the wallet is depleted (once).
        assertThat(seen).extracting(e -> e.getClass().getSimpleName()).containsExactly(
                "CreditsGranted", "CreditsExpiringSoon", "CreditsSpent", "CreditsSpent",
                "BalanceLow", "CreditsExpired", "BalanceDepleted");
        assertThat(((BalanceLow) seen.get(4)).balanceUnits()).isEqualTo(900);
        assertThat(((CreditsExpired) seen.get(5)).amountUnits()).isEqualTo(900);
        assertThat(((CreditsGranted) seen.get(0)).amountUnits()).isEqualTo(1500);
        assertThat(((CreditsSpent) seen.get(2)).feature()).isEqualTo("chat");
    }

    @Test
    void metadata_isKeptAndLimitedTo16KiB() {
        GrantRecord grant = wallet.grant(Grant.of("1.00").metadata(Map.of("payment_id", "pay_1")));
        assertThat(grant.metadata()).containsEntry("payment_id", "pay_1");
        String big = "x".repeat(16 * 1024);
        assertThatThrownBy(() -> wallet.grant(Grant.of("1.00").metadata(Map.of("k", big))))
                .isInstanceOf(ValidationException.class).hasMessageContaining("metadata");
        assertThat(history()).hasSize(1);
    }

    @Test
    void aGrantEffectiveLater_isScheduled_outsideTheBalance_untilItsTime() {
        wallet.grant(Grant.of("5.00"));
        Instant later = T0.plus(Duration.ofDays(3));
        GrantRecord scheduled = wallet.grant(Grant.of("20.00").effectiveAt(later)
                .expiresAt(later.plus(Duration.ofDays(30))).reason("next month's bonus"));
        assertThat(scheduled.status()).isEqualTo(GrantStatus.SCHEDULED);
        assertThat(scheduled.remaining().toString()).isEqualTo("20.00");
        assertThat(scheduled.balance().toString()).isEqualTo("5.00");
        assertThat(wallet.balance().toString()).isEqualTo("5.00");
        assertThatThrownBy(() -> wallet.spend(Spend.of("6.00")))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(credits.grants("user_42", "credits", false)).hasSize(1);
        assertThat(credits.grants("user_42", "credits", true)).extracting(GrantRecord::status)
                .contains(GrantStatus.SCHEDULED);
        assertThat(history()).hasSize(1); // only the first grant: nothing came in yet

        clock.set(later.plusSeconds(1)); // no sweep has run: the read activates it
        assertThat(wallet.balance().toString()).isEqualTo("25.00");
        assertThat(credits.grant(scheduled.id()).status()).isEqualTo(GrantStatus.ACTIVE);
        Transaction entry = history().get(0);
        assertThat(entry.id()).isEqualTo(scheduled.transactionId());
        assertThat(entry.type()).isEqualTo(TransactionType.GRANT);
        assertThat(entry.effectiveAt()).isEqualTo(later);
        assertThat(entry.balanceAfter().toString()).isEqualTo("25.00");
        assertThat(entry.reason()).isEqualTo("next month's bonus");
        assertThat(wallet.balanceAt(later.minusSeconds(1)).toString()).isEqualTo("5.00");
        assertThat(wallet.balanceAt(later).toString()).isEqualTo("25.00");
        assertThat(wallet.spend(Spend.of("6.00")).allocations().get(0).grantId())
                .isEqualTo(scheduled.id()); // it expires first
    }

    @Test
    void aScheduledGrant_paysTheDebtWhenItBecomesEffective_thenExpiresWhatIsLeft() {
        Wallet sms = credits.wallet("user_42", "sms");
        sms.spend(Spend.of("5")); // the sms overdraft limit is 5: balance -5
        Instant at = T0.plus(Duration.ofDays(1));
        Instant expires = at.plus(Duration.ofDays(1));
        GrantRecord g = sms.grant(Grant.of("12").effectiveAt(at).expiresAt(expires));
        assertThat(sms.balance().toString()).isEqualTo("-5");
        clock.set(expires.plusSeconds(1)); // both fell due while nothing ran
        assertThat(credits.sweep()).isEqualTo(1);
        assertThat(sms.balance().toString()).isEqualTo("0"); // -5 + 12 - 7 expired
        List<Transaction> entries = credits.history("user_42", History.query()
                .creditType("sms").limit(10)).data();
        assertThat(entries).extracting(t -> t.type() + ":" + t.amount() + ":" + t.balanceAfter())
                .containsExactly("EXPIRY:-7:0", "GRANT:12:7", "USAGE:-5:-5");
        assertThat(credits.grant(g.id()).status()).isEqualTo(GrantStatus.EXPIRED);
    }

    @Test
    void aScheduledGrant_canBeVoided_andThenNeverComesIn() {
        GrantRecord g = wallet.grant(Grant.of("8.00").effectiveAt(T0.plusSeconds(3600)));
        GrantRecord voided = credits.voidGrant(g.id(), "plan cancelled", null);
        assertThat(voided.status()).isEqualTo(GrantStatus.VOIDED);
        assertThat(voided.remaining().toString()).isEqualTo("0.00");
        assertThatThrownBy(() -> credits.voidGrant(g.id(), null, null))
                .isInstanceOf(InvalidStateException.class);
        clock.advance(Duration.ofHours(2));
        credits.sweep();
        assertThat(wallet.balance().toString()).isEqualTo("0.00");
        assertThat(history()).isEmpty();
    }

    @Test
    void voidIfRemaining_refusesWhenASpendChangedTheGrantSinceItWasRead() {
        GrantRecord g = wallet.grant(Grant.of("10.00"));
        Amount seen = credits.grant(g.id()).remaining();
        wallet.spend(Spend.of("3.00")); // between the read and the void
        assertThatThrownBy(() -> credits.voidGrantIfRemaining(g.id(), seen, "proration"))
                .isInstanceOf(InvalidStateException.class).hasMessageContaining("7.00 left");
        assertThat(wallet.balance().toString()).isEqualTo("7.00");
        assertThatThrownBy(() -> credits.voidGrantIfRemaining(g.id(), null, "proration"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.voidGrantIfRemaining("grt_nope", seen, "proration"))
                .isInstanceOf(NotFoundException.class);
        assertThat(wallet.balance().toString()).isEqualTo("7.00");
        GrantRecord voided = credits.voidGrantIfRemaining(g.id(),
                credits.grant(g.id()).remaining(), "proration");
        assertThat(voided.status()).isEqualTo(GrantStatus.VOIDED);
        assertThat(wallet.balance().toString()).isEqualTo("0.00");
    }

    @Test
    void badInput_getsATypedErrorAndWritesNothing() {
        wallet.grant(Grant.of("10.00"));
        Wallet w = wallet;
        assertBad(() -> w.grant(Grant.of(null)), InvalidAmountException.class);
        assertBad(() -> w.grant(Grant.of("-1.00")), InvalidAmountException.class);
        assertBad(() -> w.grant(Grant.of("0")), InvalidAmountException.class);
        assertBad(() -> w.spend(Spend.of("0.00")), InvalidAmountException.class);
        assertBad(() -> w.grant(Grant.of("1.001")), InvalidAmountException.class);
        assertBad(() -> w.grant(Grant.of("1000000000000.01")), InvalidAmountException.class);
        assertBad(() -> credits.wallet("user_42", "gold"), UnknownCreditTypeException.class);
        assertBad(() -> credits.wallet("bad id", "credits"), ValidationException.class);
        assertBad(() -> credits.wallet("x".repeat(129), "credits"), ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").effectiveAt(T0).expiresAt(T0)),
                ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").expiresAt(T0.minusSeconds(1))),
                ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").effectiveAt(T0.plus(Duration.ofDays(3661)))),
                ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").effectiveAt(T0.plusSeconds(60))
                .expiresAt(T0.plusSeconds(60))), ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").priority(101)), ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").priority(-1)), ValidationException.class);
        assertBad(() -> w.grant(Grant.of("1.00").source(null)), ValidationException.class);
        assertBad(() -> w.hold("1.00", Duration.ofDays(2)), ValidationException.class);
        assertBad(() -> w.hold("1.00", Duration.ZERO), ValidationException.class);
        assertBad(() -> w.spend(Spend.of("1.00").idempotencyKey("")), ValidationException.class);
        assertBad(() -> credits.capture("hld_missing", "1.00", null), NotFoundException.class);
        assertBad(() -> credits.release("hld_missing", null), NotFoundException.class);
        assertThat(wallet.balance().toString()).isEqualTo("10.00");
    }

    @Test
    void balanceOverflow_isAnErrorNotAWrap() {
        Wallet sms = credits.wallet("whale", "sms");
        for (int i = 0; i < 9; i++) {
            sms.grant(Grant.of("1000000000000"));
        }
        assertThat(sms.balance().units()).isEqualTo(9_000_000_000_000L);
        CreditTypes tiny = CreditTypes.of(List.of(new CreditType("nano", "Nano", null, 9,
                OverdraftLimit.none(), null)));
        try (Credits nano = TestDatabase.open(clock, tiny)) {
            Wallet w = nano.wallet("whale", "nano");
            w.grant(Grant.of("9000000000"));
            assertThatThrownBy(() -> w.grant(Grant.of("300000000")))
                    .isInstanceOf(InvalidAmountException.class).hasMessageContaining("overflow");
            assertThat(w.balance().toString()).isEqualTo("9000000000.000000000");
        }
    }

    private void assertBad(Runnable action, Class<? extends RuntimeException> type) {
        int before = history().size();
        assertThatThrownBy(action::run).isInstanceOf(type).hasMessageNotContaining("null:");
        assertThat(history()).hasSize(before);
    }

    private List<Transaction> history() {
        return credits.history("user_42", History.query().limit(500)).data();
    }
}
