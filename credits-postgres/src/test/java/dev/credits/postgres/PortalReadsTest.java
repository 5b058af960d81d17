package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.HoldRecord;
import dev.credits.HoldStatus;
import dev.credits.Spend;
import dev.credits.UsageDay;
import dev.credits.ValidationException;
import dev.credits.Wallet;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reads the portal and the console need: usage by day, holds, customers by prefix. */
class PortalReadsTest {
    static final MutableClock CLOCK = MutableClock.at("2026-11-01T10:00:00Z");
    static PostgresLedger ledger;
    static Credits credits;

    @BeforeAll
    static void open() {
        CreditsConfig config = TestDatabase.newConfig(CLOCK, CreditTypes.defaults());
        ledger = PostgresLedger.open(config);
        credits = ledger.credits();
    }

    @AfterAll
    static void close() {
        ledger.close();
    }

    @Test
    void usageIsSummedPerUtcDayAndFeature_withinTheSpanOnly() {
        Wallet w = credits.wallet("usage_a", "credits");
        w.grant(Grant.of("1000.00"));
        Instant start = CLOCK.instant();
        w.spend(Spend.of("1.00").feature("chat"));
        w.spend(Spend.of("2.50").feature("chat"));
        w.spend(Spend.of("4.00").feature("images"));
        CLOCK.advance(Duration.ofDays(1));
        w.spend(Spend.of("0.25"));
        w.hold("3.00", Duration.ofMinutes(5), "chat", null).capture("2.00");
        CLOCK.advance(Duration.ofDays(1));
        credits.wallet("usage_b", "credits").grant(Grant.of("5.00"));
        credits.wallet("usage_b", "credits").spend(Spend.of("5.00").feature("chat"));

        List<UsageDay> days = credits.usageByDay("usage_a", start, CLOCK.instant());
        assertThat(days).extracting(d -> d.date() + " " + d.feature() + " " + d.amount() + " "
                + d.count()).containsExactly("2026-11-01 chat 3.50 2",
                "2026-11-01 images 4.00 1", "2026-11-02 chat 2.00 1", "2026-11-02 null 0.25 1");
        assertThat(credits.usageByDay("usage_a", start.plus(Duration.ofDays(1)),
                CLOCK.instant())).extracting(UsageDay::date)
                .containsOnly(LocalDate.parse("2026-11-02"));
        assertThat(credits.usageByDay("usage_a", start.minus(Duration.ofDays(30)), start))
                .isEmpty();
    }

    @Test
    void usageByDay_refusesABackwardOrTooLongSpan() {
        Instant now = CLOCK.instant();
        assertThatThrownBy(() -> credits.usageByDay("u", now, now))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.usageByDay("u", now, now.minusSeconds(1)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.usageByDay("u", now.minus(Credits.USAGE_SPAN_MAX)
                .minusSeconds(1), now)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.usageByDay("u", null, now))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.usageByDay("bad id", now.minusSeconds(1), now))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void holdsAreListedNewestFirst_anExpiredOneReadsExpired() {
        Wallet w = credits.wallet("holder", "credits");
        w.grant(Grant.of("10.00"));
        w.hold("1.00", Duration.ofSeconds(60));
        CLOCK.advance(Duration.ofSeconds(1));
        w.hold("2.00", Duration.ofMinutes(10));
        CLOCK.advance(Duration.ofSeconds(120));
        List<HoldRecord> holds = credits.holds("holder", 10);
        assertThat(holds).extracting(h -> h.amount() + " " + h.status())
                .containsExactly("2.00 " + HoldStatus.HELD, "1.00 " + HoldStatus.EXPIRED);
        assertThat(credits.holds("holder", 1)).hasSize(1);
        assertThat(credits.holds("nobody", 10)).isEmpty();
        for (int limit : new int[] {0, -1, Credits.LIST_LIMIT_MAX + 1}) {
            assertThatThrownBy(() -> credits.holds("holder", limit))
                    .isInstanceOf(ValidationException.class);
        }
        assertThatThrownBy(() -> credits.holds("bad id", 1))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void customersAreFoundByPrefix_inOrder() {
        for (String id : List.of("pfx_b", "pfx_a", "pfx_c", "pfy_a")) {
            credits.wallet(id, "credits").grant(Grant.of("1.00"));
        }
        assertThat(credits.customers("pfx_", 10)).containsExactly("pfx_a", "pfx_b", "pfx_c");
        assertThat(credits.customers("pfx_", 2)).containsExactly("pfx_a", "pfx_b");
        assertThat(credits.customers("pfz", 10)).isEmpty();
        assertThat(credits.customers("", 500)).contains("pfx_a", "pfy_a");
        assertThatThrownBy(() -> credits.customers(null, 10))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.customers("x".repeat(129), 10))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.customers("p", 0))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> credits.customers("p", Credits.LIST_LIMIT_MAX + 1))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void grantsCarryWhenTheyWereWritten() {
        Instant now = CLOCK.instant();
        credits.wallet("written", "credits").grant(Grant.of("1.00"));
        assertThat(credits.grants("written", null, true).get(0).createdAt()).isEqualTo(now);
    }
}
