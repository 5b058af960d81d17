package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Grant;
import dev.credits.OverdraftLimit;
import dev.credits.Spend;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** credits.expiring_soon: once per grant with credits left, found by the sweeper. */
class ExpiringSoonTest {
    static final CreditTypes TYPES = CreditTypes.of(List.of(
            new CreditType("credits", "Credits", null, 2, OverdraftLimit.none(), null,
                    List.of(), 7),
            new CreditType("quiet", "Quiet", null, 0, OverdraftLimit.none(), null, List.of(),
                    0)));

    @Test
    void aGrantIsAnnouncedOnceSevenDaysBeforeItExpires_onlyWithCreditsLeft() {
        MutableClock clock = MutableClock.at("2026-12-01T00:00:00Z");
        Instant start = clock.instant();
        try (PostgresLedger ledger = PostgresLedger.open(TestDatabase.newConfig(clock, TYPES))) {
            var credits = ledger.credits();
            var wallet = credits.wallet("soon", "credits");
            String kept = wallet.grant(Grant.of("10.00").expiresAt(start.plus(Duration.ofDays(10))))
                    .id();
            String spent = wallet.grant(Grant.of("1.00").priority(0)
                    .expiresAt(start.plus(Duration.ofDays(9)))).id();
            credits.wallet("soon", "quiet").grant(Grant.of("5")
                    .expiresAt(start.plus(Duration.ofDays(8))));
            wallet.spend(Spend.of("1.00")); // takes all of `spent` (priority 0 burns first)
            clock.advance(Duration.ofDays(2));
            credits.sweep();
            assertThat(notices(ledger)).isEmpty();
            clock.advance(Duration.ofDays(1).plusHours(1)); // 6 days 23 h before `kept` expires
            credits.sweep();
            credits.sweep();
            wallet.spend(Spend.of("0.50"));
            assertThat(notices(ledger)).containsExactly(kept + " 1000 "
                    + start.plus(Duration.ofDays(10)));
            // A grant made already inside the window is announced by its own batch.
            String late = wallet.grant(Grant.of("2.00").expiresAt(clock.instant()
                    .plus(Duration.ofDays(2)))).id();
            assertThat(notices(ledger)).hasSize(2).last().asString().startsWith(late + " 200 ");
            assertThat(credits.verify().violations()).isEmpty();
        }
    }

    /** The notices written, in order: grant, remaining units, expires_at. */
    static List<String> notices(PostgresLedger ledger) {
        List<String> out = new ArrayList<>();
        try (Connection c = ledger.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select payload->>'grantId',"
                     + " payload->>'amountUnits', payload->>'expiresAt' from outbox"
                     + " where event_type = 'CreditsExpiringSoon' order by seq");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " "
                        + Instant.parse(rs.getString(3)));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
