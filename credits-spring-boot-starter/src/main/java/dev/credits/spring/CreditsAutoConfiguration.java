package dev.credits.spring;

import dev.credits.Credits;
import dev.credits.ai.AiMetering;
import dev.credits.ai.PriceCatalog;
import dev.credits.event.CreditsEvent;
import dev.credits.plans.Catalog;
import dev.credits.plans.Plans;
import dev.credits.postgres.PostgresLedger;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationInitializer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The ledger in a Spring Boot application. On the application's {@link DataSource} when it has
 * one (credits' migrations keep their own history table, {@code credits.history-table}, and run
 * after the application's own Flyway); else on {@code credits.database-url}; else on an embedded
 * PostgreSQL in {@code credits.data-directory}. Beans: {@link PostgresLedger}, {@link Credits},
 * {@link AiMetering}, {@link Plans}; with Actuator a health indicator ({@code credits}), with
 * Micrometer the ledger's metrics, with Spring Web {@link CreditsProblemDetails}. Every bean
 * backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration"})
@ConditionalOnClass(Credits.class)
@EnableConfigurationProperties(CreditsProperties.class)
public class CreditsAutoConfiguration {

    /**
     * The ledger and its database. Waits for the application's Flyway, when it has one, so that
     * the application's first migration meets an empty schema as it would without credits.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public PostgresLedger creditsLedger(CreditsProperties properties,
                                        ObjectProvider<Clock> clock,
                                        ObjectProvider<DataSource> dataSource,
                                        ObjectProvider<FlywayMigrationInitializer> flyway) {
        flyway.orderedStream().forEach(initializer -> { });
        var config = CreditsSettings.config(properties,
                clock.getIfUnique(Clock::systemUTC));
        DataSource application = properties.isUseApplicationDataSource()
                && properties.getDatabaseUrl() == null ? dataSource.getIfUnique() : null;
        return application == null ? PostgresLedger.open(config)
                : PostgresLedger.open(config, application, properties.getHistoryTable());
    }

    /** The ledger's API; closed with {@link #creditsLedger}. */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean
    public Credits credits(PostgresLedger ledger, CreditsProperties properties,
                           ApplicationEventPublisher publisher) {
        Credits credits = ledger.credits();
        if (properties.isPublishEvents()) {
            // After the commit, from the outbox, at least once and in order per wallet.
            credits.events().on(CreditsEvent.class, publisher::publishEvent);
        }
        return credits;
    }

    /** AI metering at the built-in list prices, charged as {@code credits.ai} says. */
    @Bean
    @ConditionalOnMissingBean
    public AiMetering creditsAiMetering(Credits credits, PostgresLedger ledger,
                                        CreditsProperties properties,
                                        ObjectProvider<PriceCatalog> prices) {
        var ai = CreditsSettings.ai(properties);
        ai = ai.withCatalog(prices.getIfUnique(PriceCatalog::defaults));
        try {
            return AiMetering.open(credits, ledger.dataSource(), ai);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("credits.ai: " + e.getMessage(), e);
        }
    }

    /**
     * Plans and packs: the application's {@link Catalog} bean, or {@code credits.products}.
     * Renews due subscriptions every {@code credits.plans.renewal-interval}.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Plans creditsPlans(Credits credits, PostgresLedger ledger,
                              CreditsProperties properties, ObjectProvider<Catalog> catalog) {
        long renewalMs = CreditsSettings.millis(properties.getPlans().getRenewalInterval(),
                "credits.plans.renewal-interval");
        Catalog chosen = catalog.getIfUnique(() ->
                CreditsSettings.catalog(properties, credits.creditTypes()));
        Plans plans = Plans.open(credits, ledger.dataSource(), chosen);
        if (renewalMs > 0) {
            plans.startScheduler(renewalMs);
        }
        return plans;
    }

    /** The {@code credits} health indicator, when Actuator is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "creditsHealthIndicator")
        CreditsHealthIndicator creditsHealthIndicator(Credits credits) {
            return new CreditsHealthIndicator(credits);
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
