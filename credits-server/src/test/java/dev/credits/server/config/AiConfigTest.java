package dev.credits.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.ai.AiConfig;
import dev.credits.ai.MissingUsage;
import org.junit.jupiter.api.Test;

/** The {@code ai:} section of the configuration file. */
class AiConfigTest {
    @Test
    void aiSection_overridesTheDefaultCatalog_andSetsTheCharging() {
        AiConfig ai = ConfigFile.parse("""
                ai:
                  credit_type: credits
                  credits_per_usd: "100"
                  markup_percent: 20
                  missing_usage: charge_reserved
                  spend_limits: {daily: "50.00", monthly: "500"}
                  models:
                    - provider: openai
                      model: gpt-4o-mini
                      input_per_million_usd: "0.20"
                      output_per_million_usd: "0.80"
                      cached_input_per_million_usd: "0.10"
                    - provider: acme
                      model: tiny-1
                      input_per_million_usd: 1
                      output_per_million_usd: 2
                """, "credits.yml").ai();
        assertThat(ai.markupPercent()).isEqualTo("20");
        assertThat(ai.missingUsage()).isEqualTo(MissingUsage.CHARGE_RESERVED);
        assertThat(ai.dailyLimit()).isEqualTo("50.00");
        assertThat(ai.monthlyLimit()).isEqualTo("500");
        assertThat(ai.catalog().require("openai", "gpt-4o-mini").inputNanoUsd()).isEqualTo(200);
        assertThat(ai.catalog().require("acme", "tiny-1").outputNanoUsd()).isEqualTo(2_000);
        assertThat(ai.catalog().require("anthropic", "claude-haiku-4-5").inputNanoUsd())
                .isEqualTo(1_000);
    }

    @Test
    void noSection_isTheDefaults() {
        AiConfig ai = ConfigFile.parse("credit_types: [{id: credits}]\n", "c.yml").ai();
        assertThat(ai.creditsPerUsd()).isEqualTo("100");
        assertThat(ai.catalog().all()).isNotEmpty();
        assertThat(ConfigFile.parse("credit_types: [{id: sms, scale: 0}]\n", "c.yml").ai())
                .isNull();
    }

    @Test
    void badAiSection_reportsEveryProblem_withFileLineAndPath() {
        assertThatThrownBy(() -> ConfigFile.parse("""
                ai:
                  credit_type: gems
                  credits_per_usd: "-1"
                  missing_usage: free
                  spend_limits: {daily: "0", weekly: "1"}
                  colour: blue
                  models:
                    - provider: openai
                      model: gpt-x
                      input_per_million_usd: "0.0375"
                      output_per_million_usd: "1"
                    - provider: openai
                      input_per_million_usd: "1"
                """, "credits.yml")).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith(
                        "credits.yml:2: ai.credit_type: 'gems'"))
                        .anySatisfy(m -> assertThat(m).startsWith(
                                "credits.yml:4: ai.missing_usage:"))
                        .anySatisfy(m -> assertThat(m).startsWith(
                                "credits.yml:5: ai.spend_limits.weekly: unknown key"))
                        .anySatisfy(m -> assertThat(m).startsWith("credits.yml:6: ai.colour:"))
                        .anySatisfy(m -> assertThat(m).startsWith("credits.yml:8: ai.models[0]:")
                                .contains("decimal places"))
                        .anySatisfy(m -> assertThat(m).startsWith(
                                "credits.yml:12: ai.models[1]: model is required")));
    }
}
