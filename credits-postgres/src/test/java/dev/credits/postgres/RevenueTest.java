package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidAmountException;
import dev.credits.Money;
import dev.credits.OverdraftLimit;
import dev.credits.RevenueReport;
import dev.credits.Spend;
import dev.credits.ValidationException;
import dev.credits.memory.InMemoryLedgerStore;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Cost basis and revenue: every grant's shares add up to its cost exactly, the roll-forward
 * balances for any period, and the worked example of docs/revenue.md holds to the cent.
 */
class RevenueTest {
    static final long BASE_SEED = Long.getLong("credits.seed", 20261202L);
    static final Instant EPOCH = Instant.parse("2020-01-01T00:00:00Z");
    static final Instant END = Instant.parse("2200-01-01T00:00:00Z");
    static final CreditTypes TYPES = CreditTypes.of(List.of(
            new CreditType("credits", "Credits", null, 2, OverdraftLimit.of(100_000), null),
            new CreditType("sms", "SMS", null, 0, OverdraftLimit.none(), null)));
    /** Odd cost bases: 1 cent for 3 credits, $9.99 for 1,000, yen, dinars, nothing. */
    static final String[][] COSTS = {{"0.01", "usd"}, {"9.99", "usd"}, {"0.07", "usd"},
            {"1234.56", "usd"}, {"1500", "jpy"}, {"1.001", "kwd"}, {"0.00", "usd"},
            {"99999.99", "usd"}};

    /** The customers of one randomized run: one paid grant each, and what they did. */
    record Paid(String customer, String creditType, String grantId, Money cost) {
    }

    @Test
    void randomized_eachGrantsSharesAddUpToItsCost_andTheRollForwardBalancesAnywhere() {
        CreditsConfig config = CreditsConfig.defaults().withClock(MutableClock.at(
                "2026-01-01T00:00:00Z")).withCreditTypes(TYPES).withSweepIntervalMs(0);
        MutableClock clock = (MutableClock) config.clock();
        int grants = Integer.getInteger("credits.revenue.grants", 3_000);
        System.out.println("RevenueTest seed " + BASE_SEED + " (" + grants + " grants, in memory)");
        try (Credits credits = Credits.open(config, new InMemoryLedgerStore(TYPES))) {
            List<Paid> paid = run(credits, clock, new Random(BASE_SEED), grants);
            check(credits, paid, new Random(BASE_SEED + 1), clock.instant());
        }
    }

    @Test
    void randomized_onPostgres_withVerifyCheckingEveryGrantsShares() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        try (PostgresLedger ledger = PostgresLedger.open(TestDatabase.newConfig(clock, TYPES))) {
            Credits credits = ledger.credits();
            List<Paid> paid = run(credits, clock, new Random(BASE_SEED + 7), 150);
            check(credits, paid, new Random(BASE_SEED + 8), clock.instant());
            assertThat(credits.verify().violations()).isEmpty();
        }
    }

    /** Grants with odd cost bases, then random spends, holds, voids, adjustments and expiries. */
    static List<Paid> run(Credits credits, MutableClock clock, Random random, int count) {
        List<Paid> paid = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String customer = "rev_" + i;
            boolean sms = random.nextInt(5) == 0;
            String type = sms ? "sms" : "credits";
            String[] cost = COSTS[random.nextInt(COSTS.length)];
            long units = 1 + random.nextInt(random.nextBoolean() ? 5 : 200_000);
            String amount = Amount.render(units, sms ? 0 : 2);
            Grant grant = Grant.of(amount).costBasis(Money.parse(cost[0], cost[1]));
            if (random.nextInt(3) == 0) {
                grant = grant.expiresAt(clock.instant().plus(Duration.ofDays(
                        1 + random.nextInt(60))));
            }
            if (random.nextInt(8) == 0) { // a free grant beside it, spent first or last
                credits.wallet(customer, type).grant(Grant.of(amount).source(GrantSource.PROMOTION)
                        .priority(random.nextBoolean() ? 10 : 90));
            }
            GrantRecord made = credits.wallet(customer, type).grant(grant);
            paid.add(new Paid(customer, type, made.id(), Money.parse(cost[0], cost[1])));
        }
        for (int step = 0; step < count * 3; step++) {
            Paid p = paid.get(random.nextInt(paid.size()));
            var wallet = credits.wallet(p.customer(), p.creditType());
            int scale = wallet.creditType().scale();
            long left = wallet.balance().units();
            int op = random.nextInt(10);
            try {
                switch (op) {
                    case 0, 1, 2, 3 -> {
                        if (left > 0) {
                            wallet.spend(Spend.of(Amount.render(1 + random.nextLong(left),
                                    scale)));
                        }
                    }
                    case 4 -> {
                        if (left > 1) {
                            var hold = wallet.hold(Amount.render(1 + random.nextLong(left / 2),
                                    scale), Duration.ofHours(1));
                            hold.capture(Amount.render(1 + random.nextLong(left / 2), scale));
                        }
                    }
                    case 5 -> {
                        GrantRecord g = credits.grant(p.grantId());
                        if (g.remaining().units() > 1 && random.nextBoolean()) {
                            credits.run(new dev.credits.internal.Command.VoidGrant(g.id(),
                                    "partial refund", null, null,
                                    1 + random.nextLong(g.remaining().units() - 1)));
                        } else {
                            credits.voidGrant(g.id(), "refund", null);
                        }
                    }
                    case 6 -> {
                        if (left > 0) {
                            wallet.adjust("-" + Amount.render(1 + random.nextLong(left), scale),
                                    "correction", null);
                        }
                    }
                    default -> {
                        clock.advance(Duration.ofHours(1 + random.nextInt(48)));
                        credits.sweep();
                    }
                }
            } catch (InsufficientCreditsException | dev.credits.InvalidStateException e) {
                // a hold over what is left, a void of a grant already gone: nothing happened
            }
            if (Boolean.getBoolean("credits.revenue.debug")) {
                GrantRecord g = credits.grant(p.grantId());
                RevenueReport all = credits.revenue(EPOCH, END, p.cost().currency(),
                        p.customer(), p.creditType());
                long consumed = g.amount().units() - g.remaining().units();
                long expected = BigInteger.valueOf(p.cost().minor()).multiply(
                        BigInteger.valueOf(consumed)).divide(BigInteger.valueOf(
                        g.amount().units())).longValueExact();
                long got = all.recognized().minor() + all.breakage().minor()
                        + all.refunded().minor();
                if (got != expected) {
                    throw new AssertionError("step " + step + " op " + op + " " + g + " " + all);
                }
            }
        }
        clock.advance(Duration.ofDays(61));
        credits.sweep();
        return paid;
    }

    /**
     * For every grant: recognized + breakage + refunded + what is still deferred = its cost,
     * with what was consumed of it exactly floor(cost × consumed / amount); and for random
     * periods, the roll-forward balances and one period's closing is the next one's opening.
     */
    static void check(Credits credits, List<Paid> paid, Random random, Instant now) {
        for (Paid p : paid) {
            GrantRecord g = credits.grant(p.grantId());
            RevenueReport all = credits.revenue(EPOCH, END, p.cost().currency(), p.customer(),
                    p.creditType());
            long cost = p.cost().minor();
            long consumed = g.amount().units() - g.remaining().units();
            long expected = BigInteger.valueOf(cost).multiply(BigInteger.valueOf(consumed))
                    .divide(BigInteger.valueOf(g.amount().units())).longValueExact();
            String about = p + " " + g + " " + all;
            assertThat(all.purchased().minor()).as(about).isEqualTo(cost);
            assertThat(all.recognized().minor() + all.breakage().minor()
                    + all.refunded().minor()).as(about).isEqualTo(expected);
            assertThat(all.recognized().minor() + all.breakage().minor()
                    + all.refunded().minor() + all.closingDeferred().minor())
                    .as(p.toString()).isEqualTo(cost);
            if (g.remaining().units() == 0) {
                assertThat(all.closingDeferred().minor()).as(p.toString()).isZero();
            }
        }
        for (String currency : List.of("usd", "jpy", "kwd")) {
            for (int i = 0; i < 20; i++) {
                long span = Duration.between(EPOCH, now.plus(Duration.ofDays(1))).toSeconds();
                Instant a = EPOCH.plusSeconds(random.nextLong(span));
                Instant b = a.plusSeconds(1 + random.nextInt(86_400 * 40));
                Instant c = b.plusSeconds(1 + random.nextInt(86_400 * 40));
                RevenueReport first = credits.revenue(a, b, currency, null, null);
                RevenueReport second = credits.revenue(b, c, currency, null, null);
                RevenueReport both = credits.revenue(a, c, currency, null, null);
                assertThat(first.closingDeferred()).isEqualTo(second.openingDeferred());
                assertThat(both.purchased().minor()).isEqualTo(first.purchased().minor()
                        + second.purchased().minor());
                assertThat(both.recognized().minor()).isEqualTo(first.recognized().minor()
                        + second.recognized().minor());
                assertThat(both.closingDeferred()).isEqualTo(second.closingDeferred());
                assertThat(first.openingDeferred().minor() + first.purchased().minor()
                        - first.recognized().minor() - first.breakage().minor()
                        - first.refunded().minor()).isEqualTo(first.closingDeferred().minor());
            }
        }
    }

    /**
     * The worked month of docs/revenue.md, to the cent: 1,000.00 credits bought for $9.99 on
     * January 1, with 100.00 free credits that go first (priority 10).
     */
    @Test
    void theWorkedExampleOfTheDocs() {
        MutableClock clock = MutableClock.at("2027-01-01T09:00:00Z");
        try (PostgresLedger ledger = PostgresLedger.open(TestDatabase.newConfig(clock,
                CreditTypes.defaults()))) {
            Credits credits = ledger.credits();
            var wallet = credits.wallet("acme", "credits");
            wallet.grant(Grant.of("100.00").source(GrantSource.PROMOTION).priority(10));
            GrantRecord pack = wallet.grant(Grant.of("1000.00").costBasis(Money.parse("9.99",
                    "usd")).expiresAt(Instant.parse("2027-02-28T00:00:00Z")));
            assertThat(wallet.state().paidRemaining().toString()).isEqualTo("1000.00");
            assertThat(wallet.state().freeRemaining().toString()).isEqualTo("100.00");
            clock.set(Instant.parse("2027-01-10T12:00:00Z"));
            wallet.spend(Spend.of("433.00")); // 100.00 free, then 333.00 of the pack
            clock.set(Instant.parse("2027-01-20T12:00:00Z"));
            wallet.spend(Spend.of("1.00"));
            clock.set(Instant.parse("2027-02-05T12:00:00Z"));
            credits.run(new dev.credits.internal.Command.VoidGrant(pack.id(), "partial refund",
                    null, null, 10_000L));
            clock.set(Instant.parse("2027-03-01T00:00:00Z"));
            credits.sweep(); // 566.00 left expired on February 28

            RevenueReport january = credits.revenue(Instant.parse("2027-01-01T00:00:00Z"),
                    Instant.parse("2027-02-01T00:00:00Z"), "usd", null, null);
            assertThat(List.of(january.openingDeferred(), january.purchased(),
                    january.recognized(), january.breakage(), january.refunded(),
                    january.closingDeferred())).extracting(Money::toString)
                    .containsExactly("0.00", "9.99", "3.33", "0.00", "0.00", "6.66");
            RevenueReport february = credits.revenue(Instant.parse("2027-02-01T00:00:00Z"),
                    Instant.parse("2027-03-01T00:00:00Z"), "usd", null, null);
            assertThat(List.of(february.openingDeferred(), february.purchased(),
                    february.recognized(), february.breakage(), february.refunded(),
                    february.closingDeferred())).extracting(Money::toString)
                    .containsExactly("6.66", "0.00", "0.00", "5.66", "1.00", "0.00");
            // Month by month, rolled forward from one opening: the same two rows.
            List<RevenueReport> months = credits.revenueByMonth(
                    Instant.parse("2027-01-01T00:00:00Z"), Instant.parse("2027-03-01T00:00:00Z"),
                    "usd", null, null);
            assertThat(months).containsExactly(january, february);
            assertThat(credits.verify().violations()).isEmpty();
        }
    }

    @Test
    void aReport_recordsWhatFellDueFirst_soAnEndedPeriodReadsTheSameLater() {
        MutableClock clock = MutableClock.at("2027-01-01T09:00:00Z");
        CreditsConfig config = CreditsConfig.defaults().withClock(clock)
                .withCreditTypes(CreditTypes.defaults()).withSweepIntervalMs(0);
        try (Credits credits = Credits.open(config,
                new InMemoryLedgerStore(CreditTypes.defaults()))) {
            credits.wallet("lapse", "credits").grant(Grant.of("10.00").costBasis(
                    Money.parse("1.00", "usd")).expiresAt(Instant.parse("2027-01-15T00:00:00Z")));
            clock.set(Instant.parse("2027-02-01T00:00:01Z")); // nothing has swept it
            RevenueReport january = credits.revenue(Instant.parse("2027-01-01T00:00:00Z"),
                    Instant.parse("2027-02-01T00:00:00Z"), "usd", null, null);
            assertThat(january.breakage().toString()).isEqualTo("1.00");
            assertThat(january.closingDeferred().toString()).isEqualTo("0.00");
        }
    }

    @Test
    void badCostBases_andBadReports_areRefused_andWriteNothing() {
        assertThatThrownBy(() -> Money.parse("9.001", "usd"))
                .isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> Money.parse("9", "xyz"))
                .isInstanceOf(InvalidAmountException.class).hasMessageContaining("ISO 4217");
        assertThatThrownBy(() -> Money.parse("-1.00", "usd"))
                .isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> Money.parse("1.5", "jpy"))
                .isInstanceOf(InvalidAmountException.class);
        MutableClock clock = MutableClock.at("2027-01-01T09:00:00Z");
        CreditsConfig config = CreditsConfig.defaults().withClock(clock)
                .withCreditTypes(CreditTypes.defaults()).withSweepIntervalMs(0);
        try (Credits credits = Credits.open(config,
                new InMemoryLedgerStore(CreditTypes.defaults()))) {
            assertThatThrownBy(() -> credits.wallet("bad", "credits").grant(Grant.of("1.00")
                    .costBasis(new Money(-5, "usd")))).isInstanceOf(InvalidAmountException.class);
            assertThat(credits.wallet("bad", "credits").balance().toString()).isEqualTo("0.00");
            Instant t = clock.instant();
            assertThatThrownBy(() -> credits.revenue(t, t, "usd", null, null))
                    .isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> credits.revenue(t, t.plusSeconds(1), "dollars", null,
                    null)).isInstanceOf(InvalidAmountException.class);
            assertThatThrownBy(() -> credits.revenue(t, t.plusSeconds(1), "usd", null, "gold"))
                    .isInstanceOf(dev.credits.UnknownCreditTypeException.class);
        }
    }
}
