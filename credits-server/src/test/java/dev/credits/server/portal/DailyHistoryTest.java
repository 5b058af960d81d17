package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.Spend;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.ValidationException;
import dev.credits.Wallet;
import dev.credits.server.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The portal's daily history: pages end where days end, and nothing is lost or shown twice. */
class DailyHistoryTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.startDemo(PortalFixture.catalog(), Instant.now()
                .minus(Duration.ofDays(20)).truncatedTo(ChronoUnit.DAYS));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void nextDay() {
        assertThat(server.post("/v1/test-clock/advance", "{\"seconds\":86400}").status())
                .isEqualTo(200);
    }

    /** Every page of the daily view, read with {@code limits} from the newest. */
    static List<DailyHistory.Page> pages(String customer, DailyHistory.Limits limits) {
        List<DailyHistory.Page> out = new ArrayList<>();
        String cursor = null;
        do {
            DailyHistory.Page page = DailyHistory.read(server.credits, customer, null, cursor,
                    limits);
            out.add(page);
            cursor = page.nextCursor();
        } while (cursor != null && out.size() < 1_000);
        return out;
    }

    @Test
    void pagesEndWhereDaysEnd_andAddUpToEveryEntry() {
        Wallet w = server.credits.wallet("daily_a", "credits");
        w.grant(dev.credits.Grant.of("50.00"));
        w.grant(dev.credits.Grant.of("50.00").priority(10));
        long spent = 0;
        int entries = 2;
        for (int day = 0; day < 6; day++) {
            for (int i = 0; i < 2 + day % 3; i++) {
                String feature = i % 2 == 0 ? "chat" : "images";
                w.spend(Spend.of("1.25").feature(feature));
                spent += 125;
                entries++;
            }
            nextDay();
        }
        DailyHistory.Limits small = new DailyHistory.Limits(3, 2, 4, 100);
        List<DailyHistory.Page> pages = pages("daily_a", small);
        assertThat(pages.size()).isGreaterThan(2);
        Set<LocalDate> seen = new HashSet<>();
        long usage = 0;
        int counted = 0;
        for (DailyHistory.Page page : pages) {
            Set<LocalDate> days = new HashSet<>();
            for (Transaction row : page.rows()) {
                LocalDate day = DailyHistory.day(row);
                days.add(day);
                if (row.type() == TransactionType.USAGE) {
                    usage -= row.amount().units();
                    counted += row.count();
                    long paid = 0;
                    for (Allocation a : row.allocations()) {
                        paid += a.amount().units();
                    }
                    assertThat(paid).isEqualTo(-row.amount().units());
                } else {
                    counted++;
                }
            }
            for (LocalDate day : days) {
                assertThat(seen).as("a day on two pages").doesNotContain(day);
            }
            seen.addAll(days);
            assertThat(days.size()).isLessThanOrEqualTo(small.days());
        }
        assertThat(usage).isEqualTo(spent);
        assertThat(counted).isEqualTo(entries);
    }

    @Test
    void aDayPastTheEntryLimitIsSplit_andAnOverdraftIsItsOwnPayer() {
        Wallet w = server.credits.wallet("daily_b", "credits");
        w.grant(dev.credits.Grant.of("3.00"));
        assertThat(server.send("PATCH", "/v1/customers/daily_b/wallets/credits",
                "{\"overdraft_limit\":\"unlimited\"}", java.util.Map.of(), TestServer.KEY)
                .status()).isEqualTo(200);
        for (int i = 0; i < 7; i++) {
            w.spend(Spend.of("1.00").feature("chat"));
        }
        w.adjust("-5.00", "correction", null);
        List<DailyHistory.Page> pages = pages("daily_b", new DailyHistory.Limits(25, 7, 3, 4));
        assertThat(pages).hasSizeGreaterThan(1);
        long total = 0;
        for (DailyHistory.Page page : pages) {
            for (Transaction row : page.rows()) {
                if (row.type() == TransactionType.USAGE) {
                    total -= row.amount().units();
                }
            }
        }
        assertThat(total).isEqualTo(700);
        List<Allocation> paid = new ArrayList<>();
        pages.forEach(p -> p.rows().forEach(r -> paid.addAll(r.allocations() == null ? List.of()
                : r.allocations())));
        assertThat(paid).anyMatch(a -> a.grantId() == null);
    }

    @Test
    void aForeignCursorIsRefused() {
        for (String cursor : List.of("garbage", "-1~", "999999~", "x~y", "~")) {
            assertThatThrownBy(() -> DailyHistory.read(server.credits, "daily_a", null, cursor,
                    DailyHistory.Limits.DEFAULTS)).as(cursor)
                    .isInstanceOf(ValidationException.class);
        }
        assertThat(DailyHistory.read(server.credits, "nobody", null, null,
                DailyHistory.Limits.DEFAULTS).rows()).isEmpty();
    }

    @Test
    void aDaysUsageIsOneRowWithWhatEachGrantPaid() {
        Wallet w = server.credits.wallet("daily_c", "credits");
        String first = w.grant(dev.credits.Grant.of("2.00").priority(10)).id();
        String second = w.grant(dev.credits.Grant.of("10.00")).id();
        w.spend(Spend.of("1.50").feature("chat"));
        w.spend(Spend.of("1.50").feature("chat"));
        List<Transaction> rows = DailyHistory.read(server.credits, "daily_c", null, null,
                DailyHistory.Limits.DEFAULTS).rows();
        Transaction usage = rows.stream().filter(r -> r.type() == TransactionType.USAGE)
                .findFirst().orElseThrow();
        assertThat(usage.count()).isEqualTo(2);
        assertThat(usage.amount()).isEqualTo(Amount.ofUnits(-300, 2));
        assertThat(usage.allocations()).containsExactly(
                new Allocation(first, Amount.ofUnits(200, 2)),
                new Allocation(second, Amount.ofUnits(100, 2)));
    }
}
