package dev.credits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.Spend;
import dev.credits.ai.AiMetering;
import dev.credits.ai.TokenUsage;
import dev.credits.event.CreditsEvent;
import dev.credits.event.CreditsSpent;
import dev.credits.plans.Plans;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** The starter in a Spring context: which database, which beans, events, health, metrics. */
class CreditsAutoConfigurationTest {
    private static final Duration EVENT_WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CreditsAutoConfiguration.class,
                    CreditsModulesAutoConfiguration.class))
            .withPropertyValues("credits.durable=false", "credits.sweeper-interval=0",
                    "credits.plans.renewal-interval=0");

    /** The application's own pool on a fresh database of the test server. */
    @Configuration(proxyBeanMethods = false)
    static class ApplicationDataSource {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource() {
            return pool(TestDatabase.newDatabaseUrl());
        }
    }

    static HikariDataSource pool(String url) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(url);
        pool.setUsername(TestDatabase.user());
        pool.setMaximumPoolSize(8);
        return pool;
    }

    /** The application's pool on the database {@link #url} names, the same for every context. */
    @Configuration(proxyBeanMethods = false)
    static class SharedDataSource {
        static volatile String url;

        @Bean(destroyMethod = "close")
        HikariDataSource dataSource() {
            return pool(url);
        }
    }

    /** An application's listener of ledger events, as Spring's own events. */
    static class Listener {
        final List<CreditsEvent> events = new CopyOnWriteArrayList<>();

        @EventListener
        void on(CreditsSpent spent) {
            events.add(spent);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Listening {
        @Bean
        Listener listener() {
            return new Listener();
        }
    }

    private static List<String> rows(DataSource dataSource, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    private static void awaitEvents(Listener listener, int count) throws InterruptedException {
        long deadline = System.nanoTime() + EVENT_WAIT.toNanos();
        while (listener.events.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void awaitCount(MeterRegistry meters, String event, double count)
            throws InterruptedException {
        long deadline = System.nanoTime() + EVENT_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            var counter = meters.find(CreditsMetrics.EVENTS).tag("event", event).counter();
            if (counter != null && counter.count() >= count) {
                return;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void theApplicationsDataSourceAndFlyway_carryTheLedgerBesideTheApplicationsTables() {
        runner.withUserConfiguration(ApplicationDataSource.class, Listening.class)
                .withPropertyValues("spring.flyway.locations=classpath:db/app-migration")
                .withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class,
                        MetricsAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    DataSource dataSource = context.getBean(DataSource.class);
                    assertThat(context.getBean(PostgresLedger.class).dataSource()
                            .unwrap(HikariDataSource.class)).isSameAs(dataSource);
                    assertThat(rows(dataSource, "select version from flyway_schema_history"
                            + " where version is not null")).as("the application's own")
                            .containsExactly("1");
                    assertThat(rows(dataSource, "select count(*) from credits_schema_history"
                            + " where version = '14'")).containsExactly("1");
                    assertThat(rows(dataSource, "select count(*) from orders"))
                            .containsExactly("0");

                    Credits credits = context.getBean(Credits.class);
                    credits.wallet("ann", "credits").grant(Grant.of("10.00"));
                    credits.wallet("ann", "credits").spend(Spend.of("2.50").feature("chat"));
                    assertThat(credits.wallet("ann", "credits").balance()).hasToString("7.50");

                    Listener listener = context.getBean(Listener.class);
                    awaitEvents(listener, 1);
                    assertThat(listener.events).singleElement()
                            .isInstanceOfSatisfying(CreditsSpent.class, spent -> {
                                assertThat(spent.customerId()).isEqualTo("ann");
                                assertThat(spent.amountUnits()).isEqualTo(250);
                            });
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    awaitCount(meters, "CreditsSpent", 1.0);
                    assertThat(meters.get(CreditsMetrics.EVENTS).tag("event", "CreditsSpent")
                            .tag("credit_type", "credits").counter().count()).isEqualTo(1.0);
                    assertThat(meters.get(CreditsMetrics.DATABASE_REACHABLE).gauge().value())
                            .isEqualTo(1.0);
                    assertThat(meters.get(CreditsMetrics.INVARIANT_VIOLATIONS).functionCounter()
                            .count()).isZero();

                    var health = context.getBean(CreditsHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("creditTypes",
                            List.of("credits"));
                });
    }

    @Test
    void withoutADataSource_theLedgerRunsOnAnEmbeddedPostgres(@TempDir Path data) {
        runner.withPropertyValues("credits.data-directory=" + data,
                        "credits.products[0].id=pack_small",
                        "credits.products[0].provides[0].credit-type=credits",
                        "credits.products[0].provides[0].amount=500.00",
                        "credits.products[0].provides[0].expires-after=P6M",
                        "credits.ai.credits-per-usd=100", "credits.ai.markup-percent=20")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(PostgresLedger.class).database().embedded())
                            .isPresent();
                    Plans plans = context.getBean(Plans.class);
                    plans.purchase("bob", "pack_small", 1, "order-1");
                    AiMetering ai = context.getBean(AiMetering.class);
                    var call = ai.recordUsage("bob", "openai", "gpt-4o-mini", "chat",
                            TokenUsage.of(100_000, 50_000), "call-1");
                    Credits credits = context.getBean(Credits.class);
                    assertThat(credits.wallet("bob", "credits").balance().units())
                            .isEqualTo(50_000 - call.credits().units());
                    assertThat(call.credits().units()).isPositive();
                });
        assertThat(data.resolve("PG_VERSION")).exists();
    }

    @Test
    void aWebApplication_getsTheProblemDetails_andCanTurnThemOff() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CreditsAutoConfiguration.class))
                .withUserConfiguration(ApplicationDataSource.class)
                .withPropertyValues("credits.sweeper-interval=0",
                        "credits.plans.renewal-interval=0");
        web.run(context -> assertThat(context).hasSingleBean(CreditsProblemDetails.class));
        web.withPropertyValues("credits.problem-details=false")
                .run(context -> assertThat(context).doesNotHaveBean(
                        CreditsProblemDetails.class));
        runner.withUserConfiguration(ApplicationDataSource.class)
                .run(context -> assertThat(context).doesNotHaveBean(
                        CreditsProblemDetails.class));
    }

    /** A table the application made without Flyway (JPA's ddl-auto, Liquibase, a script). */
    @Configuration(proxyBeanMethods = false)
    static class SchemaWithoutFlyway {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource() throws Exception {
            HikariDataSource pool = pool(TestDatabase.newDatabaseUrl());
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("create table customers (id text primary key)");
            }
            return pool;
        }
    }

    @Test
    void anApplicationWithTablesButNoMigrations_startsWithBootsFlywayOnTheClassPath() {
        runner.withUserConfiguration(SchemaWithoutFlyway.class)
                .withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class))
                .withInitializer(context -> new CreditsFlywayDefaults()
                        .postProcessEnvironment(context.getEnvironment(), null))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    context.getBean(Credits.class).wallet("ann", "credits")
                            .grant(Grant.of("1.00"));
                    assertThat(rows(context.getBean(DataSource.class),
                            "select count(*) from customers")).containsExactly("0");
                });
        // without the default, Boot's Flyway refuses the schema: what the default prevents
        runner.withUserConfiguration(SchemaWithoutFlyway.class)
                .withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class))
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void eventsCommittedBeforeTheContextStarted_reachItsListeners() throws Exception {
        SharedDataSource.url = TestDatabase.newDatabaseUrl();
        try (HikariDataSource pool = pool(SharedDataSource.url);
             PostgresLedger earlier = PostgresLedger.open(
                     CreditsSettings.config(new CreditsProperties(), java.time.Clock.systemUTC())
                             .withSweepIntervalMs(0), pool, "credits_schema_history")) {
            earlier.credits().wallet("gus", "credits").grant(Grant.of("5.00"));
            earlier.credits().wallet("gus", "credits").spend(Spend.of("1.00"));
        } // closed with nobody listening: the events wait in the outbox
        runner.withUserConfiguration(SharedDataSource.class, Listening.class).run(context -> {
            Listener listener = context.getBean(Listener.class);
            awaitEvents(listener, 1);
            assertThat(listener.events).singleElement().isInstanceOfSatisfying(
                    CreditsSpent.class, spent -> assertThat(spent.customerId()).isEqualTo("gus"));
        });
    }

    @Test
    void withPublishEventsOff_noApplicationEventIsPublished() {
        runner.withUserConfiguration(ApplicationDataSource.class, Listening.class)
                .withPropertyValues("credits.publish-events=false")
                .run(context -> {
                    Credits credits = context.getBean(Credits.class);
                    credits.wallet("hal", "credits").grant(Grant.of("2.00"));
                    credits.wallet("hal", "credits").spend(Spend.of("1.00"));
                    Thread.sleep(500);
                    assertThat(context.getBean(Listener.class).events).isEmpty();
                });
    }

    @Test
    void withoutActuatorMicrometerOrSpringWeb_theLedgerStillStarts() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CreditsAutoConfiguration.class,
                        CreditsModulesAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
                        "io.micrometer", "org.springframework.http.ProblemDetail"))
                .withUserConfiguration(ApplicationDataSource.class)
                .withPropertyValues("credits.sweeper-interval=0",
                        "credits.plans.renewal-interval=0")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Credits.class)
                            .doesNotHaveBean(CreditsHealthIndicator.class)
                            .doesNotHaveBean(CreditsMetrics.class)
                            .doesNotHaveBean(CreditsProblemDetails.class);
                    context.getBean(Credits.class).wallet("ida", "credits")
                            .grant(Grant.of("1.00"));
                });
    }

    @Test
    void theHealthIndicator_canBeTurnedOffTheActuatorWay() {
        runner.withUserConfiguration(ApplicationDataSource.class)
                .withPropertyValues("management.health.credits.enabled=false")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(CreditsHealthIndicator.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCredits {
        @Bean(destroyMethod = "close")
        Credits credits() {
            return Credits.open(dev.credits.CreditsConfig.defaults(),
                    new dev.credits.memory.InMemoryLedgerStore(
                            dev.credits.CreditTypes.defaults()));
        }
    }

    @Test
    void anApplicationsOwnCredits_meansNoLedgerOfTheStarters() {
        runner.withUserConfiguration(OwnCredits.class, ApplicationDataSource.class)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Credits.class)
                        .doesNotHaveBean(PostgresLedger.class).doesNotHaveBean(Plans.class)
                        .doesNotHaveBean(AiMetering.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoDataSources {
        @Bean(destroyMethod = "close")
        HikariDataSource first() {
            return pool(TestDatabase.newDatabaseUrl());
        }

        @Bean(destroyMethod = "close")
        HikariDataSource second() {
            return pool(TestDatabase.newDatabaseUrl());
        }
    }

    @Test
    void twoDataSourcesAndNoPrimary_stopTheApplicationSayingSo() {
        runner.withUserConfiguration(TwoDataSources.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("several DataSource beans and none is @Primary");
        });
    }
}
