package dev.credits.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.plans.Catalog;
import dev.credits.plans.Interval;
import dev.credits.plans.Plan;
import dev.credits.plans.Product;
import java.time.Period;
import org.junit.jupiter.api.Test;

class CatalogConfigTest {
    static final String TYPES = """
            credit_types:
              - {id: credits, scale: 2}
              - {id: sms, scale: 0}
            """;

    @Test
    void plansAndProducts_areRead() {
        Catalog catalog = ConfigFile.parse(TYPES + """
                plans:
                  - id: pro
                    name: Pro
                    interval: year
                    provides_monthly:
                      - credit_type: credits
                        amount: "1000.00"
                      - credit_type: sms
                        amount: "50"
                    rollover:
                      max_amount: "500.00"
                  - id: pct
                    provides_monthly: [{credit_type: credits, amount: 10}]
                    rollover: {max_percent: 50}
                products:
                  - id: pack_small
                    name: 500 credits
                    price: {amount: "9.00", currency: usd}
                    provides:
                      - {credit_type: credits, amount: "500.00", expires_after: P6M}
                """, "c.yml").catalog();
        Plan pro = catalog.requirePlan("pro");
        assertThat(pro.interval()).isEqualTo(Interval.YEAR);
        assertThat(pro.monthlyUnits("credits")).isEqualTo(100_000);
        assertThat(pro.monthlyUnits("sms")).isEqualTo(50);
        assertThat(catalog.requirePlan("pct").interval()).isEqualTo(Interval.MONTH);
        assertThat(catalog.requirePlan("pct").rollover().maxPercent()).isEqualTo(50);
        Product pack = catalog.requireProduct("pack_small");
        assertThat(pack.price().currency()).isEqualTo("usd");
        assertThat(pack.provides().get(0).expiresAfter()).isEqualTo(Period.ofMonths(6));
    }

    @Test
    void aPlanNamingAnUnknownCreditType_isRejectedNamingTheLine() {
        assertThatThrownBy(() -> ConfigFile.parse(TYPES + """
                plans:
                  - id: pro
                    provides_monthly:
                      - credit_type: tokens
                        amount: "1"
                """, "credits.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("credits.yml:7: plans[0].provides_monthly[0].credit_type:"
                        + " unknown credit type 'tokens'");
    }

    @Test
    void everyBadField_isReportedWithFileLineAndKeyPath() {
        assertThatThrownBy(() -> ConfigFile.parse(TYPES + """
                plans:
                  - id: Pro!
                    interval: week
                    provides_monthly: [{credit_type: sms, amount: "1.5"}]
                    rollover: {max_amount: "0.5", max_percent: 5}
                  - id: b
                    provides_monthly: []
                    rollover: {max_percent: 101}
                products:
                  - id: p
                    price: {amount: nine, currency: USD}
                    provides: [{credit_type: credits, amount: "1", expires_after: 6 months}]
                    colour: red
                """, "c.yml"))
                .hasMessageContaining("c.yml:5: plans[0].id: must match")
                .hasMessageContaining("c.yml:6: plans[0].interval: must be month or year")
                .hasMessageContaining("c.yml:7: plans[0].provides_monthly[0].amount: must be a"
                        + " positive decimal of at most 0 decimal places")
                .hasMessageContaining("c.yml:8: plans[0].rollover: must have exactly one")
                .hasMessageContaining("c.yml:10: plans[1].provides_monthly: must be a non-empty")
                .hasMessageContaining("c.yml:11: plans[1].rollover.max_percent: must be an"
                        + " integer 0..100")
                .hasMessageContaining("c.yml:14: products[0].price.amount: must be a decimal")
                .hasMessageContaining("c.yml:14: products[0].price.currency: must be a lower-case")
                .hasMessageContaining("c.yml:15: products[0].provides[0].expires_after: must be a"
                        + " positive ISO-8601 period")
                .hasMessageContaining("c.yml:16: products[0].colour: unknown key");
    }

    @Test
    void aRolloverCapThatATypeCannotRepresent_isRejected() {
        assertThatThrownBy(() -> ConfigFile.parse(TYPES + """
                plans:
                  - id: pro
                    provides_monthly: [{credit_type: sms, amount: 5}]
                    rollover: {max_amount: "0.5"}
                """, "c.yml"))
                .hasMessageContaining("c.yml:7: plans[0].rollover.max_amount: must be a decimal"
                        + " that is not negative and is exact in the scale");
    }

    @Test
    void noPlansOrProducts_isTheEmptyCatalog() {
        assertThat(ConfigFile.parse(TYPES, "c.yml").catalog()).isSameAs(Catalog.empty());
        assertThat(ConfigFile.load(null).catalog()).isSameAs(Catalog.empty());
    }
}
