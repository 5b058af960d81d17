package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.credits.CreditTypes;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.Spend;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** The ledger on an application's own data source, beside the application's own migrations. */
class ApplicationDataSourceTest {
    private static final String HISTORY = "credits_schema_history";

    private static HikariDataSource applicationPool(String url) {
        return applicationPool(url, true);
    }

    private static HikariDataSource applicationPool(String url, boolean autoCommit) {
        HikariConfig hikari = new HikariConfig();
        hikari.setAutoCommit(autoCommit);
        hikari.setJdbcUrl(url);
        hikari.setUsername(TestDatabase.user());
        hikari.setMaximumPoolSize(6);
        return new HikariDataSource(hikari);
    }

    private static CreditsConfig config() {
        return CreditsConfig.defaults().withClock(Clock.systemUTC())
                .withCreditTypes(CreditTypes.defaults()).withSweepIntervalMs(0);
    }

    /** The application's schema as its own Flyway left it: one table, its own history. */
    private static void migrateApplication(HikariDataSource pool) throws Exception {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("create table orders (id text primary key)");
            st.execute("create table flyway_schema_history (installed_rank int primary key,"
                    + " version text, description text)");
            st.execute("insert into flyway_schema_history values (1, '1', 'orders')");
        }
    }

    private static List<String> rows(HikariDataSource pool, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        }
        return rows;
    }

    @Test
    void aSchemaHoldingTheApplicationsTables_getsTheLedgerWithAHistoryOfItsOwn() throws Exception {
        try (HikariDataSource pool = applicationPool(TestDatabase.newDatabaseUrl())) {
            migrateApplication(pool);
            try (PostgresLedger ledger = PostgresLedger.open(config(), pool, HISTORY)) {
                ledger.credits().wallet("ann", "credits").grant(Grant.of("10.00"));
                ledger.credits().wallet("ann", "credits").spend(Spend.of("2.50"));
                assertThat(ledger.dataSource().unwrap(HikariDataSource.class)).isSameAs(pool);
            }
            assertThat(pool.isClosed()).as("the application's pool stays open").isFalse();
            assertThat(rows(pool, "select version from flyway_schema_history"))
                    .as("the application's history is untouched").containsExactly("1");
            List<String> versions = rows(pool, "select version from " + HISTORY
                    + " where success order by installed_rank");
            assertThat(versions.get(0)).as("baselined before the ledger's first migration")
                    .isEqualTo("0");
            assertThat(versions).contains("1", "14");
            try (PostgresLedger again = PostgresLedger.open(config(), pool, HISTORY)) {
                assertThat(again.credits().wallet("ann", "credits").balance())
                        .hasToString("7.50");
            }
            assertThat(rows(pool, "select count(*) from " + HISTORY))
                    .as("a second open migrates nothing").containsExactly(
                            String.valueOf(versions.size()));
        }
    }

    @Test
    void aHistoryTableThatIsNotAPlainName_isRefusedBeforeAnythingIsWritten() throws Exception {
        try (HikariDataSource pool = applicationPool(TestDatabase.newDatabaseUrl())) {
            for (String bad : new String[] {null, "", "Credits", "x; drop table orders",
                    "a".repeat(64), "9history", "public.history", "flyway_schema_history"}) {
                assertThatThrownBy(() -> PostgresLedger.open(config(), pool, bad)).as(bad)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("schema history table");
            }
            assertThat(rows(pool, "select count(*) from pg_tables where schemaname = 'public'"))
                    .containsExactly("0");
        }
    }

    @Test
    void aPoolThatDoesNotAutoCommit_stillKeepsTheLedgersSingleStatements() throws Exception {
        try (HikariDataSource pool = applicationPool(TestDatabase.newDatabaseUrl(), false)) {
            try (PostgresLedger ledger = PostgresLedger.open(config(), pool, HISTORY)) {
                List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
                ledger.credits().events().on(dev.credits.event.CreditsGranted.class,
                        e -> seen.add(e.customerId()));
                ledger.credits().wallet("ann", "credits").grant(Grant.of("1.00"));
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!rows(pool, "select count(*) from outbox where delivered_at is null")
                        .equals(List.of("0")) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(seen).containsExactly("ann");
                assertThat(rows(pool, "select count(*) from outbox where delivered_at is null"))
                        .as("marked delivered, and committed").containsExactly("0");
            }
        }
    }

    @Test
    void aDataSourceThatIsNotPostgres_isRefusedBeforeAnythingIsWritten() {
        javax.sql.DataSource h2 = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] {Connection.class}, (c, m, a) -> switch (m.getName()) {
                                case "getAutoCommit" -> true;
                                case "close" -> null;
                                case "getMetaData" -> java.lang.reflect.Proxy.newProxyInstance(
                                        getClass().getClassLoader(),
                                        new Class<?>[] {java.sql.DatabaseMetaData.class},
                                        (d, dm, da) -> "H2");
                                default -> throw new UnsupportedOperationException(m.getName());
                            });
                });
        assertThatThrownBy(() -> PostgresLedger.open(config(), h2, HISTORY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs PostgreSQL").hasMessageContaining("H2");
    }

    @Test
    void theLedgersMigrations_areNotWhereAnApplicationsFlywayLooks() {
        try (HikariDataSource pool = applicationPool(TestDatabase.newDatabaseUrl())) {
            // an application's Flyway, configured by default (classpath:db/migration)
            assertThat(Flyway.configure().dataSource(pool).load().info().all()).isEmpty();
            assertThat(Flyway.configure().dataSource(pool).locations(Database.MIGRATIONS_LOCATION)
                    .load().info().pending()).hasSizeGreaterThanOrEqualTo(14);
        }
    }
}
