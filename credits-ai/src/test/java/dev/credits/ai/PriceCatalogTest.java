package dev.credits.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PriceCatalogTest {
    final PriceCatalog defaults = PriceCatalog.defaults();

    @Test
    void defaults_priceCurrentOpenAiAndAnthropicModels_perToken() {
        ModelPrice mini = defaults.require("openai", "gpt-4o-mini");
        assertThat(mini.inputNanoUsd()).isEqualTo(150);
        assertThat(mini.cachedInputNanoUsd()).isEqualTo(75);
        assertThat(mini.outputNanoUsd()).isEqualTo(600);
        // OpenAI does not charge cache writes apart: they are input.
        assertThat(mini.cacheWriteNanoUsd()).isEqualTo(150);
        ModelPrice sonnet = defaults.require("anthropic", "claude-sonnet-4-5");
        assertThat(sonnet.cacheWriteNanoUsd()).isEqualTo(3_750);
        assertThat(sonnet.cacheWrite1hNanoUsd()).isEqualTo(6_000);
        assertThat(sonnet.cachedInputNanoUsd()).isEqualTo(300);
        assertThat(defaults.all()).hasSizeGreaterThan(20);
    }

    @Test
    void datedSnapshots_fallBackToTheirModel() {
        assertThat(defaults.require("openai", "gpt-5-mini-2025-08-07").model())
                .isEqualTo("gpt-5-mini");
        assertThat(defaults.require("Anthropic", "claude-haiku-4-5-20251001").model())
                .isEqualTo("claude-haiku-4-5");
    }

    @Test
    void unknownProviderOrModel_isAnError_neverZero() {
        assertThatThrownBy(() -> defaults.require("openai", "gpt-9")).isInstanceOf(
                UnknownModelException.class).hasMessageContaining("openai/gpt-9");
        assertThatThrownBy(() -> defaults.require("mistral", "gpt-4o")).isInstanceOf(
                UnknownModelException.class);
        assertThatThrownBy(() -> defaults.require(null, "gpt-4o")).isInstanceOf(
                UnknownModelException.class);
    }

    @Test
    void configuredPrices_overrideTheDefaults() {
        PriceCatalog catalog = defaults.with(List.of(ModelPrice.perMillion("openai",
                "gpt-4o-mini", "0.20", null, null, null, "0.80")));
        ModelPrice price = catalog.require("openai", "gpt-4o-mini");
        assertThat(price.inputNanoUsd()).isEqualTo(200);
        assertThat(price.cachedInputNanoUsd()).isEqualTo(200);
        assertThat(catalog.require("openai", "gpt-4o").inputNanoUsd()).isEqualTo(2_500);
    }

    @Test
    void badPrices_areRejectedNotRounded() {
        assertThatThrownBy(() -> ModelPrice.perMillion("x", "m", "0.0375", null, null, null,
                "1")).hasMessageContaining("decimal places");
        assertThatThrownBy(() -> ModelPrice.perMillion("x", "m", "-1", null, null, null, "1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelPrice.perMillion("x", "m", "1", null, null, null, null))
                .hasMessageContaining("output_per_million_usd is required");
        assertThatThrownBy(() -> ModelPrice.perMillion("x", "m", "0", null, null, null, "1"))
                .hasMessageContaining("greater than zero");
        assertThatThrownBy(() -> ModelPrice.perMillion("x", "m", "abc", null, null, null, "1"))
                .hasMessageContaining("input_per_million_usd");
    }
}
