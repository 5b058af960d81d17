package dev.credits.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.payments.PaymentsConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stripe section, unit prices and Stripe price ids of the configuration file. */
class StripeConfigTest {
    static final Map<String, String> ENV = Map.of("STRIPE_SECRET_KEY", "sk_test_123",
            "STRIPE_WEBHOOK_SECRET", "whsec_abc123456");

    static AppConfig parse(String yaml) {
        return ConfigFile.parse(yaml, "c.yml", ENV::get);
    }

    @Test
    void theSection_readsEnvironmentVariables_unitPrices_andPriceIds() {
        AppConfig config = parse("""
                credit_types:
                  - id: credits
                    unit_price: {amount: "0.01", currency: usd}
                  - id: sms
                    scale: 0
                plans:
                  - id: pro
                    provides_monthly: [{credit_type: credits, amount: "10.00"}]
                    stripe_price_id: price_pro
                products:
                  - id: pack
                    provides: [{credit_type: credits, amount: "5.00"}]
                    stripe_price_id: price_pack
                stripe:
                  secret_key: ${STRIPE_SECRET_KEY}
                  webhook_secret: ${STRIPE_WEBHOOK_SECRET}
                  api_base: http://127.0.0.1:12111
                  refund_spent: debt
                """);
        PaymentsConfig payments = config.payments();
        assertThat(payments.secretKey()).isEqualTo("sk_test_123");
        assertThat(payments.webhookSecret()).isEqualTo("whsec_abc123456");
        assertThat(payments.apiBase()).isEqualTo("http://127.0.0.1:12111");
        assertThat(payments.refundSpent()).isEqualTo(PaymentsConfig.RefundSpent.DEBT);
        assertThat(payments.unitPrices()).containsOnlyKeys("credits");
        assertThat(payments.unitPrices().get("credits").minor()).isEqualTo(1);
        assertThat(payments.toString()).doesNotContain("sk_test_123", "whsec_abc");
        assertThat(config.catalog().requirePlan("pro").stripePriceId()).isEqualTo("price_pro");
        assertThat(config.catalog().requireProduct("pack").stripePriceId())
                .isEqualTo("price_pack");
        assertThat(config.catalog().planByStripePrice("price_pro")).isPresent();
    }

    @Test
    void noSection_meansNoPayments() {
        assertThat(parse("credit_types: [{id: credits}]\n").payments()).isNull();
    }

    @Test
    void everyBadValue_isReportedWithFileLineAndPath() {
        assertThatThrownBy(() -> parse("""
                credit_types:
                  - id: credits
                    unit_price: {amount: "0.001", currency: usd}
                  - id: gold
                    unit_price: {amount: "1", currency: US}
                products:
                  - id: pack
                    provides: [{credit_type: credits, amount: "5.00"}]
                    stripe_price_id: "price with spaces"
                stripe:
                  secret_key: ${NOT_SET}
                  refund_spent: maybe
                  api_base: ftp://x
                  colour: blue
                """)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).anySatisfy(m ->
                        assertThat(m).startsWith("c.yml:3: credit_types[0].unit_price"))
                        .anySatisfy(m -> assertThat(m).startsWith(
                                "c.yml:5: credit_types[1].unit_price")));
        assertThatThrownBy(() -> parse("""
                credit_types: [{id: credits}]
                products:
                  - id: pack
                    provides: [{credit_type: credits, amount: "5.00"}]
                    stripe_price_id: "price with spaces"
                """)).isInstanceOf(ConfigException.class).hasMessageContaining(
                "c.yml:5: products[0].stripe_price_id: must be a Stripe price id");
        assertThatThrownBy(() -> parse("""
                credit_types: [{id: credits}]
                stripe:
                  secret_key: ${NOT_SET}
                  refund_spent: maybe
                  api_base: ftp://x
                  colour: blue
                """)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).containsExactly(
                        "c.yml:6: stripe.colour: unknown key; expected one of [api_base,"
                                + " refund_spent, secret_key, webhook_secret]",
                        "c.yml:3: stripe.secret_key: environment variable NOT_SET is not set",
                        "c.yml:3: stripe.webhook_secret: is required",
                        "c.yml:5: stripe.api_base: must be an http or https URL such as"
                                + " https://api.stripe.com",
                        "c.yml:4: stripe.refund_spent: must be forgive or debt, was 'maybe'"));
        assertThatThrownBy(() -> parse("""
                credit_types: [{id: credits}]
                stripe: {secret_key: pk_live_not_secret, webhook_secret: whsec_12345678}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining(
                "stripe.secret_key: must be a Stripe secret key");
    }
}
