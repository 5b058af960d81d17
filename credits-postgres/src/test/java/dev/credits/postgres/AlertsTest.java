package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.OverdraftLimit;
import dev.credits.Spend;
import dev.credits.ValidationException;
import dev.credits.WalletBalance;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Balance alerts: once per crossing, decided under the wallet's lock, also under races. */
class AlertsTest {
    static final CreditTypes TYPES = CreditTypes.of(List.of(new CreditType("credits", "Credits",
            null, 2, OverdraftLimit.none(), null, List.of(1_000L, 5_000L))));

    @Test
    void racingSpendsThatCrossTwoThresholds_fireEachLowOnce_andAGrantRecoversEachOnce()
            throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        CreditsConfig config = TestDatabase.newConfig(clock, TYPES);
        try (PostgresLedger one = PostgresLedger.open(config);
             PostgresLedger two = PostgresLedger.open(config)) {
            one.credits().wallet("racer", "credits").grant(Grant.of("100.00"));
            int threads = 64;
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> spends = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Credits credits = i % 2 == 0 ? one.credits() : two.credits();
                spends.add(pool.submit(() -> {
                    start.await();
                    return credits.wallet("racer", "credits").spend(Spend.of("1.50"));
                }));
            }
            for (Future<?> spend : spends) {
                spend.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(one.credits().wallet("racer", "credits").available().toString())
                    .isEqualTo("4.00");
            assertThat(alerts(one, "racer")).containsExactly("BalanceLow 5000",
                    "BalanceLow 1000");

            one.credits().wallet("racer", "credits").grant(Grant.of("100.00"));
            two.credits().wallet("racer", "credits").grant(Grant.of("1.00"));
            assertThat(alerts(one, "racer")).containsExactly("BalanceLow 5000",
                    "BalanceLow 1000", "BalanceRecovered 1000", "BalanceRecovered 5000");

            // Down to zero: both lows again, then depleted once; a hold counts (available).
            var wallet = one.credits().wallet("racer", "credits");
            wallet.hold("100.00", Duration.ofMinutes(5), null, null);
            wallet.spend(Spend.of("5.00"));
            assertThat(alerts(one, "racer")).endsWith("BalanceLow 5000", "BalanceLow 1000",
                    "BalanceDepleted");
            assertThat(alerts(one, "racer")).filteredOn(a -> a.equals("BalanceDepleted"))
                    .hasSize(1);
            assertThat(one.credits().verify().violations()).isEmpty();
        }
    }

    @Test
    void aWalletsOwnThresholds_replaceItsTypes_andAnExpiryCanCrossOne() {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (PostgresLedger ledger = PostgresLedger.open(TestDatabase.newConfig(clock, TYPES))) {
            var wallet = ledger.credits().wallet("own", "credits");
            assertThat(wallet.state().alertThresholds()).extracting(Object::toString)
                    .containsExactly("50.00", "10.00");
            WalletBalance set = wallet.setAlertThresholds(List.of("3.00", "20.00", "3.00"));
            assertThat(set.alertThresholds()).extracting(Object::toString)
                    .containsExactly("20.00", "3.00");
            assertThat(wallet.state().alertThresholds()).extracting(Object::toString)
                    .containsExactly("20.00", "3.00");
            wallet.grant(Grant.of("25.00").expiresAt(clock.instant().plusSeconds(60)));
            wallet.grant(Grant.of("2.00"));
            clock.advance(Duration.ofMinutes(2));
            ledger.credits().sweep(); // 27.00 → 2.00: below both, by an expiry alone
            assertThat(alerts(ledger, "own")).containsExactly("BalanceLow 2000",
                    "BalanceLow 300");
            assertThat(wallet.setAlertThresholds(null).alertThresholds())
                    .extracting(Object::toString).containsExactly("50.00", "10.00");
            assertThatThrownBy(() -> wallet.setAlertThresholds(List.of("-1.00")))
                    .isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> wallet.setAlertThresholds(java.util.Collections.nCopies(
                    11, "1.00"))).isInstanceOf(ValidationException.class);
        }
    }

    /** The wallet's alert events in order, as {@code "Type threshold"}. */
    static List<String> alerts(PostgresLedger ledger, String customer) {
        List<String> out = new ArrayList<>();
        try (Connection c = ledger.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select event_type,"
                     + " payload->>'thresholdUnits' from outbox where customer_id = ?"
                     + " and event_type like 'Balance%' order by seq")) {
            ps.setString(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + (rs.getString(2) == null ? ""
                            : " " + rs.getString(2)));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
