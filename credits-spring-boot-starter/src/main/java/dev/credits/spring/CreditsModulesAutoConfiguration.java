package dev.credits.spring;

import dev.credits.Credits;
import dev.credits.ai.AiMetering;
import dev.credits.ai.PriceCatalog;
import dev.credits.plans.Catalog;
import dev.credits.plans.Plans;
import dev.credits.postgres.PostgresLedger;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * AI metering and plans beside the ledger, on its database: only with a {@link PostgresLedger}
 * (the starter's or the application's), whose data source they keep their tables in.
 */
@AutoConfiguration(after = CreditsAutoConfiguration.class)
@ConditionalOnBean(PostgresLedger.class)
public class CreditsModulesAutoConfiguration {

    /** AI metering at the built-in list prices (or a PriceCatalog bean), as credits.ai says. */
    @Bean
    @ConditionalOnMissingBean
    public AiMetering creditsAiMetering(PostgresLedger ledger, CreditsProperties properties,
                                        ObjectProvider<PriceCatalog> prices) {
        var ai = CreditsSettings.ai(properties)
                .withCatalog(prices.getIfUnique(PriceCatalog::defaults));
        try {
            return AiMetering.open(ledger.credits(), ledger.dataSource(), ai);
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
    public Plans creditsPlans(PostgresLedger ledger, CreditsProperties properties,
                              ObjectProvider<Catalog> catalog) {
        long renewalMs = CreditsSettings.millis(properties.getPlans().getRenewalInterval(),
                "credits.plans.renewal-interval");
        Credits credits = ledger.credits();
        Catalog chosen = catalog.getIfUnique(() ->
                CreditsSettings.catalog(properties, credits.creditTypes()));
        Plans plans = Plans.open(credits, ledger.dataSource(), chosen);
        if (renewalMs > 0) {
            plans.startScheduler(renewalMs);
        }
        return plans;
    }
}
