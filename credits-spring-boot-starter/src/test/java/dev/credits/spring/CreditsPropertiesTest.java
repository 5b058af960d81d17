package dev.credits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.Credits;
import dev.credits.plans.Catalog;
import dev.credits.plans.Plans;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import dev.credits.testing.TestDatabase;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** credits.* properties: bound, checked at start with the key named, and described for IDEs. */
class CreditsPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CreditsAutoConfiguration.class,
                    CreditsModulesAutoConfiguration.class))
            .withUserConfiguration(CreditsAutoConfigurationTest.ApplicationDataSource.class)
            .withPropertyValues("credits.sweeper-interval=0", "credits.plans.renewal-interval=0");

    @Test
    void creditTypesAndOverdraft_areTheLedgers() {
        runner.withPropertyValues("credits.credit-types[0].id=credits",
                        "credits.credit-types[0].scale=2",
                        "credits.credit-types[0].overdraft-limit=5.00",
                        "credits.credit-types[0].alert-thresholds=10.00,1.00",
                        "credits.credit-types[1].id=sms", "credits.credit-types[1].scale=0",
                        "credits.credit-types[1].overdraft-limit=unlimited",
                        "credits.credit-types[1].name=SMS messages",
                        "credits.group-commit.queue-commands-max=64")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Credits credits = context.getBean(Credits.class);
                    assertThat(credits.creditTypes().require("credits").overdraftLimit().units())
                            .isEqualTo(500);
                    assertThat(credits.creditTypes().require("credits").alertThresholdUnits())
                            .containsExactly(1000L, 100L);
                    assertThat(credits.creditTypes().require("sms").overdraftLimit()
                            .isUnlimited()).isTrue();
                    credits.wallet("ann", "credits").spend(dev.credits.Spend.of("4.00"));
                    assertThat(credits.wallet("ann", "credits").balance()).hasToString("-4.00");
                    credits.wallet("ann", "sms").spend(dev.credits.Spend.of("1000"));
                });
    }

    @Test
    void eachBadValue_stopsTheApplication_namingItsProperty() {
        List<String[]> cases = List.of(
                new String[] {"credits.credit-types[0].id=Credits", "credits.credit-types[0].id"},
                new String[] {"credits.credit-types[0].scale=12", "credits.credit-types[0].scale"},
                new String[] {"credits.credit-types[0].overdraft-limit=lots",
                        "credits.credit-types[0].overdraft-limit"},
                new String[] {"credits.credit-types[0].overdraft-limit=0.001",
                        "credits.credit-types[0].overdraft-limit"},
                new String[] {"credits.credit-types[0].low-balance-threshold=-1",
                        "credits.credit-types[0].low-balance-threshold"},
                new String[] {"credits.credit-types[0].alert-thresholds=1e999999",
                        "credits.credit-types[0].alert-thresholds[0]"},
                new String[] {"credits.credit-types[0].expiring-soon-days=400",
                        "credits.credit-types[0]"},
                new String[] {"credits.group-commit.queue-commands-max=0",
                        "credits.group-commit.queue-commands-max: must be 1..65536"},
                new String[] {"credits.group-commit.queue-commands-max=65537",
                        "credits.group-commit.queue-commands-max"},
                new String[] {"credits.pool-size=0", "credits.pool-size: must be 1..200"},
                new String[] {"credits.history-table=flyway_schema_history",
                        "credits.history-table"},
                new String[] {"spring.flyway.table=credits_schema_history",
                        "credits.history-table"},
                new String[] {"credits.sweeper-interval=-1s", "credits.sweeper-interval"},
                new String[] {"credits.plans.renewal-interval=-5s",
                        "credits.plans.renewal-interval"},
                new String[] {"credits.history-table=flyway; drop", "schema history table"},
                new String[] {"credits.products[0].id=Pack", "credits.products[0].id"},
                new String[] {"credits.products[0].id=pack", "credits.products[0].provides"},
                new String[] {"credits.ai.credits-per-usd=-3", "credits.ai"},
                new String[] {"credits.ai.credit-type=gold", "credits.ai"});
        for (String[] c : cases) {
            runner.withPropertyValues(c[0]).withPropertyValues(c[0].startsWith(
                    "credits.credit-types[0].id") ? c[0] : "credits.credit-types[0].id=credits")
                    .withPropertyValues(c[0]).run(context -> {
                assertThat(context).as(c[0]).hasFailed();
                assertThat(messages(context.getStartupFailure())).as(c[0]).anySatisfy(
                        message -> assertThat(message).contains(c[1]));
            });
        }
        List<String[]> provisions = List.of(
                new String[] {"credit-type=gold", "credits.products[0].provides[0].credit-type"},
                new String[] {"amount=-1.00", "credits.products[0].provides[0].amount"},
                new String[] {"amount=0.001", "credits.products[0].provides[0].amount"},
                new String[] {"expires-after=P0D",
                        "credits.products[0].provides[0].expires-after"});
        for (String[] c : provisions) {
            runner.withPropertyValues("credits.products[0].id=pack",
                            "credits.products[0].provides[0].credit-type=credits",
                            "credits.products[0].provides[0].amount=1.00",
                            "credits.products[0].provides[0]." + c[0])
                    .run(context -> {
                        assertThat(context).as(c[0]).hasFailed();
                        assertThat(messages(context.getStartupFailure())).as(c[0])
                                .anySatisfy(message -> assertThat(message).contains(c[1]));
                    });
        }
    }

    private static List<String> messages(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCatalog {
        @Bean
        Catalog catalog() {
            return Catalog.of(List.of(), List.of(new Product("big", "Big pack", null,
                    List.of(new Provision("credits", dev.credits.Amount.parse("900.00", 2),
                            null)))));
        }
    }

    @Test
    void anApplicationsCatalogBean_replacesTheConfiguredProducts() {
        runner.withUserConfiguration(OwnCatalog.class)
                .withPropertyValues("credits.products[0].id=small",
                        "credits.products[0].provides[0].credit-type=credits",
                        "credits.products[0].provides[0].amount=1.00")
                .run(context -> {
                    Plans plans = context.getBean(Plans.class);
                    assertThat(plans.catalog().products()).extracting(Product::id)
                            .containsExactly("big");
                });
    }

    @Test
    void theMetadata_describesEveryTopLevelProperty_forIdeCompletion() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("written by spring-boot-configuration-processor").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        Set<String> described = new java.util.HashSet<>();
        for (JsonNode property : metadata.get("properties")) {
            assertThat(property.path("description").asText()).as(property.get("name").asText())
                    .isNotBlank();
            described.add(property.get("name").asText());
        }
        assertThat(described).contains("credits.credit-types", "credits.sweeper-interval",
                "credits.group-commit.enabled", "credits.group-commit.queue-commands-max",
                "credits.history-table", "credits.data-directory", "credits.products",
                "credits.ai.credits-per-usd", "credits.publish-events");
        assertThat(TestDatabase.user()).isNotBlank();
    }
}
