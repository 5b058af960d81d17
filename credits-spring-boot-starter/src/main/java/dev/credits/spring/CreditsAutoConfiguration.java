package dev.credits.spring;

import dev.credits.Credits;
import dev.credits.plans.Plans;
import dev.credits.postgres.Database;
import dev.credits.postgres.PostgresLedger;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * The ledger in a Spring Boot application: on {@code credits.database-url} when it is set; else
 * on the application's {@link DataSource} (credits' migrations keep their own history table,
 * {@code credits.history-table}, and run after the application's database initialization:
 * Flyway, Liquibase, SQL scripts); else on an embedded PostgreSQL in
 * {@code credits.data-directory}. Beans: {@link PostgresLedger}, {@link Credits},
 * {@link CreditsLifecycle}; with Actuator a health indicator ({@code credits}), with Micrometer
 * the ledger's meters, with Spring Web {@link CreditsProblemDetails};
 * {@link CreditsModulesAutoConfiguration} adds AI metering and plans. An application that
 * defines its own {@link PostgresLedger} or {@link Credits} gets no ledger of the starter's.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
        "org.springframework.boot.autoconfigure.liquibase.LiquibaseAutoConfiguration"})
@ConditionalOnClass(Credits.class)
@EnableConfigurationProperties(CreditsProperties.class)
@Import(DatabaseInitializationDependencyConfigurer.class)
public class CreditsAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(CreditsAutoConfiguration.class);
    /** Boot's name for the application's Flyway history table, and its default. */
    static final String APPLICATION_HISTORY_PROPERTY = "spring.flyway.table";

    /** The ledger and its database; closed by {@link CreditsLifecycle#stop()}, or here. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean({PostgresLedger.class, Credits.class})
    @DependsOnDatabaseInitialization
    public PostgresLedger creditsLedger(CreditsProperties properties, Environment environment,
                                        ObjectProvider<Clock> clock,
                                        ObjectProvider<DataSource> dataSources) {
        var config = CreditsSettings.config(properties, clock.getIfUnique(Clock::systemUTC));
        if (properties.getDatabaseUrl() != null) {
            return PostgresLedger.open(config);
        }
        DataSource application = properties.isUseApplicationDataSource()
                ? applicationDataSource(dataSources) : null;
        if (application == null) {
            LOG.info("credits: no application DataSource in use; the ledger runs on an embedded"
                    + " PostgreSQL in {}", config.dataDirectory().toAbsolutePath());
            return PostgresLedger.open(config);
        }
        String applicationHistory = environment.getProperty(APPLICATION_HISTORY_PROPERTY,
                Database.HISTORY_TABLE_DEFAULT);
        if (applicationHistory.equals(properties.getHistoryTable())) {
            throw new IllegalArgumentException("credits.history-table: must not be the"
                    + " application's own Flyway history (" + applicationHistory + ")");
        }
        return PostgresLedger.open(config, application, properties.getHistoryTable());
    }

    /** The one DataSource, or null for none; several with none primary is a mistake to say. */
    private static DataSource applicationDataSource(ObjectProvider<DataSource> dataSources) {
        DataSource unique = dataSources.getIfUnique();
        if (unique == null && dataSources.stream().findAny().isPresent()) {
            throw new IllegalStateException("credits: the application has several DataSource"
                    + " beans and none is @Primary; mark the ledger's @Primary, or set"
                    + " credits.database-url, or credits.use-application-data-source=false");
        }
        return unique;
    }

    /** The ledger's API; closed with {@link #creditsLedger}. */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean
    public Credits credits(PostgresLedger ledger) {
        return ledger.credits();
    }

    /** Starts event delivery once the listeners exist; closes the ledger before they go. */
    @Bean
    @ConditionalOnMissingBean
    public CreditsLifecycle creditsLifecycle(Credits credits, CreditsProperties properties,
                                             ApplicationEventPublisher publisher,
                                             ObjectProvider<CreditsEventSink> sinks,
                                             ObjectProvider<Plans> plans,
                                             ObjectProvider<PostgresLedger> ledger) {
        return new CreditsLifecycle(credits, properties.isPublishEvents() ? publisher : null,
                sinks, plans, ledger);
    }

    /**
     * The {@code credits} health indicator, when Actuator is there. The condition on Actuator's
     * class guards the nested one, whose annotation is Actuator's own (off with
     * {@code management.health.credits.enabled=false}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthIndicator",
            "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
    static class Health {
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnEnabledHealthIndicator("credits")
        static class Enabled {
            @Bean
            @ConditionalOnMissingBean(name = "creditsHealthIndicator")
            CreditsHealthIndicator creditsHealthIndicator(Credits credits) {
                return new CreditsHealthIndicator(credits);
            }
        }
    }

    /** The ledger's meters, when Micrometer is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean
        CreditsMetrics creditsMetrics(Credits credits) {
            return new CreditsMetrics(credits);
        }
    }

    /** Typed exceptions answered as problem+json, in a web application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication
    @ConditionalOnClass(name = "org.springframework.http.ProblemDetail")
    @ConditionalOnProperty(prefix = "credits", name = "problem-details", matchIfMissing = true)
    static class Web {
        @Bean
        @ConditionalOnMissingBean
        CreditsProblemDetails creditsProblemDetails() {
            return new CreditsProblemDetails();
        }
    }
}
