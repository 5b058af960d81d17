package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.GrantRecord;
import dev.credits.HoldRecord;
import dev.credits.IdempotencyConflictException;
import dev.credits.internal.Command;
import dev.credits.internal.WalletKey;
import dev.credits.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Idempotency keys recorded by the previous release replay after an upgrade: each command of
 * {@link PreviousRelease}, retried on the database that release wrote, returns the first result
 * and writes nothing; the same key with another body is a conflict.
 */
class PreviousReleaseTest {
    /** The time the fixture was written at; the retries happen at the same time. */
    static final Instant WRITTEN_AT = Instant.parse("2026-11-30T10:00:00Z");

    private static CreditsConfig config(String url) {
        return CreditsConfig.defaults().withDatabase(url, TestDatabase.user(), null)
                .withClock(Clock.fixed(WRITTEN_AT, ZoneOffset.UTC))
                .withCreditTypes(CreditTypes.defaults()).withSweepIntervalMs(0).withPoolSize(2);
    }

    @Test
    void keysRecordedByThePreviousRelease_replayTheirFirstResult() throws Exception {
        String write = System.getProperty("credits.previousRelease.write");
        if (write != null) {
            String url = TestDatabase.newDatabaseUrl();
            try (Credits credits = Credits.open(config(url))) {
                PreviousRelease.Ids ids = PreviousRelease.run(credits);
                PreviousRelease.write(url, TestDatabase.user(), ids, Path.of(write));
            }
        }
        String url = TestDatabase.newDatabaseUrl();
        Flyway.configure().dataSource(url, TestDatabase.user(), null)
                .locations("classpath:db/credits").target(PreviousRelease.SCHEMA_VERSION)
                .load().migrate();
        PreviousRelease.Ids ids = PreviousRelease.load(url, TestDatabase.user());
        try (Credits credits = Credits.open(config(url))) { // migrates to the newest version
            String before = snapshot(url);
            Map<String, Command<?>> all = new LinkedHashMap<>(PreviousRelease.setUp());
            all.putAll(PreviousRelease.byId(ids));
            for (Map.Entry<String, Command<?>> retry : all.entrySet()) {
                assertThat(credits.execute(retry.getValue()).replayed()).as(retry.getKey())
                        .isTrue();
            }
            assertThat(((HoldRecord) credits.run(all.get("hold"))).id())
                    .isEqualTo(ids.capturedHold());
            assertThat(((GrantRecord) credits.run(all.get("grant2"))).id())
                    .isEqualTo(ids.voidedGrant());
            assertThat(((HoldRecord) credits.run(all.get("capture"))).captured().units())
                    .isEqualTo(4_000);

            WalletKey wallet = new WalletKey(PreviousRelease.CUSTOMER, "credits");
            Map<String, Command<?>> changed = new LinkedHashMap<>();
            changed.put("grant", new Command.Grant(wallet, 100_001,
                    dev.credits.GrantSource.PURCHASE, 40, null, PreviousRelease.EXPIRES,
                    "pack «large» — 1,000", "{\"invoice\":\"in_1\",\"n\":1.50,"
                    + "\"tags\":[\"a\",\"é\"]}", "prev-grant"));
            changed.put("spend", new Command.Spend(wallet, 1_234, "search", "a reply",
                    "{\"model\":\"gpt\"}", "prev-spend"));
            changed.put("capture", new Command.Capture(ids.capturedHold(), 3_999,
                    "prev-capture"));
            changed.put("void", new Command.VoidGrant(ids.voidedGrant(), "other",
                    "prev-void"));
            for (Map.Entry<String, Command<?>> other : changed.entrySet()) {
                assertThatThrownBy(() -> credits.execute(other.getValue())).as(other.getKey())
                        .isInstanceOf(IdempotencyConflictException.class);
            }
            assertThat(snapshot(url)).isEqualTo(before);
            assertThat(credits.verify().violations()).isEmpty();
        }
    }

    /** What the retries must not change: every balance, entry and grant. */
    private static String snapshot(String url) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            for (String sql : new String[] {
                    "select customer_id, credit_type, balance, held from wallets order by 1, 2",
                    "select id, type, amount from transactions order by id",
                    "select id, remaining, status from grants order by id",
                    "select count(*) from idempotency_keys"}) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            out.append(rs.getString(i)).append(' ');
                        }
                        out.append('\n');
                    }
                }
            }
        }
        return out.toString();
    }
}
