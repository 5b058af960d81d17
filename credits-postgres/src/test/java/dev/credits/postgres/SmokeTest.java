package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.History;
import dev.credits.InsufficientCreditsException;
import dev.credits.Spend;
import dev.credits.Wallet;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void grantSpendHoldCapture_roundTrip() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        try (Credits credits = TestDatabase.open(clock, CreditTypes.defaults())) {
            Wallet w = credits.wallet("user_1", "credits");
            w.grant(Grant.of("100.00").idempotencyKey("pay_1"));
            w.grant(Grant.of("100.00").idempotencyKey("pay_1"));
            assertThat(w.balance().toString()).isEqualTo("100.00");
            var spend = w.spend(Spend.of("10.25").feature("chat"));
            assertThat(spend.balance().toString()).isEqualTo("89.75");
            assertThatThrownBy(() -> w.spend(Spend.of("1000.00")))
                    .isInstanceOf(InsufficientCreditsException.class);
            var hold = w.hold("5.00", Duration.ofMinutes(15));
            assertThat(w.available().toString()).isEqualTo("84.75");
            hold.capture("3.20");
            assertThat(w.balance().toString()).isEqualTo("86.55");
            assertThat(w.history(History.query()).data()).hasSize(3);
            assertThat(credits.verify().violations()).isEmpty();
        }
    }
}
