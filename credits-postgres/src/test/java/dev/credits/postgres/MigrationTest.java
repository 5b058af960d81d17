package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.IdempotencyConflictException;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** Upgrades of a database written by an earlier version. */
class MigrationTest {

    @Test
    void keysOnceScopedPerCustomer_becomeGlobal_andTheLaterUsesOfAKeyConflict() throws Exception {
        String url = TestDatabase.newDatabaseUrl();
        Flyway.configure().dataSource(url, TestDatabase.user(), null)
                .locations("classpath:db/credits").target("4").load().migrate();
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            st.execute("insert into idempotency_keys values"
                    + " ('bob', 'pay-1', 'f2', 'GrantRecord', '{}', '2026-01-02T00:00:00Z'),"
                    + " ('ann', 'pay-1', 'f1', 'GrantRecord', '{}', '2026-01-01T00:00:00Z'),"
                    + " ('cat', 'pay-1', 'f3', 'GrantRecord', '{}', '2026-01-03T00:00:00Z'),"
                    + " ('ann', 'pay-2', 'f4', 'GrantRecord', '{}', '2026-01-01T00:00:00Z')");
        }
        CreditsConfig config = CreditsConfig.defaults().withDatabase(url, TestDatabase.user(), null)
                .withClock(Clock.systemUTC()).withCreditTypes(CreditTypes.defaults())
                .withSweepIntervalMs(0).withPoolSize(2);
        try (Credits credits = Credits.open(config)) { // migrates to the newest version
            List<String> rows = new ArrayList<>();
            try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select customer_id, replace(key, chr(1), '^')"
                         + " from idempotency_keys order by 1, 2")) {
                while (rs.next()) {
                    rows.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
            assertThat(rows).containsExactly("ann pay-1", "ann pay-2", "bob pay-1^bob",
                    "cat pay-1^cat");
            // bob's retry with his key is refused, never applied a second time
            assertThatThrownBy(() -> credits.wallet("bob", "credits")
                    .grant(Grant.of("1.00").idempotencyKey("pay-1")))
                    .isInstanceOf(IdempotencyConflictException.class);
            assertThat(credits.wallet("bob", "credits").balance().units()).isZero();
        }
    }

    @Test
    void theGrantsAPeriodDecidedBeforeDerivedKeys_areMadeUnderTheNewNames() throws Exception {
        String url = TestDatabase.newDatabaseUrl();
        Flyway.configure().dataSource(url, TestDatabase.user(), null)
                .locations("classpath:db/credits").target("6").load().migrate();
        String t = "'2026-01-01T00:00:00Z'";
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            st.execute("insert into subscription_periods values ('ann', 'sub_1', " + t
                    + ", '2026-02-01T00:00:00Z', 'basic', '[{\"key\": \"sub:sub_1:x:allowance:"
                    + "credits\", \"units\": 1}, {\"key\": null, \"units\": 2}]', " + t
                    + ", null)");
            st.execute("insert into idempotency_keys values"
                    + " ('ann', 'sub:sub_1:x:allowance:credits', 'f2', 'GrantRecord', '{}', "
                    + t + ")");
        }
        CreditsConfig config = CreditsConfig.defaults().withDatabase(url, TestDatabase.user(), null)
                .withClock(Clock.systemUTC()).withCreditTypes(CreditTypes.defaults())
                .withSweepIntervalMs(0).withPoolSize(2);
        try (Credits credits = Credits.open(config)) {
            List<String> rows = new ArrayList<>();
            try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select 'key ' || key from idempotency_keys"
                         + " union all select 'planned ' || coalesce(replace(g ->> 'key',"
                         + " chr(167), '~'), 'none') from subscription_periods,"
                         + " jsonb_array_elements(grants) g")) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            // Recorded keys stay (a derived key replays its bare name's entry when it is the
            // same command); the planned grants are made under the prefixed names.
            assertThat(rows).containsExactlyInAnyOrder("key sub:sub_1:x:allowance:credits",
                    "planned ~sub:sub_1:x:allowance:credits", "planned none");
        }
    }
}
