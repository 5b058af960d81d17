package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.History;
import dev.credits.Spend;
import dev.credits.Transaction;
import dev.credits.Wallet;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database keeps its data in a directory across close and reopen. */
class RestartTest {
    @TempDir
    Path data;

    @Test
    void closeAndReopen_onTheSameDataDirectory_keepsBalancesAndHistory() {
        CreditsConfig config = CreditsConfig.defaults().withDataDirectory(data)
                .withDurable(false).withSweepIntervalMs(0);
        List<Transaction> before;
        try (Credits credits = Credits.open(config)) {
            Wallet w = credits.wallet("user_42", "credits");
            w.grant(Grant.of("12.34").idempotencyKey("pay_1"));
            w.spend(Spend.of("2.34").feature("chat"));
            before = credits.history("user_42", History.query()).data();
        }
        try (Credits credits = Credits.open(config)) {
            Wallet w = credits.wallet("user_42", "credits");
            assertThat(w.balance().toString()).isEqualTo("10.00");
            assertThat(credits.history("user_42", History.query()).data()).isEqualTo(before);
            w.grant(Grant.of("12.34").idempotencyKey("pay_1")); // a retry after restart
            assertThat(w.balance().toString()).isEqualTo("10.00");
            assertThat(credits.verify().violations()).isEmpty();
        }
    }

    @Test
    void embeddedDatabase_isDurableByDefault() {
        CreditsConfig config = CreditsConfig.defaults().withDataDirectory(data)
                .withSweepIntervalMs(0);
        try (PostgresLedger ledger = PostgresLedger.open(config)) {
            String line = ledger.database().description();
            assertThat(line).contains("embedded in").contains("fsync=on")
                    .contains("synchronous_commit=on");
        }
    }
}
