package dev.credits.server.config;

import dev.credits.Money;
import dev.credits.payments.PaymentsConfig;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The {@code stripe:} section of the configuration file. Values may name environment variables
 * as {@code ${NAME}}, so that secrets stay out of the file:
 * <pre>
 * stripe:
 *   secret_key: ${STRIPE_SECRET_KEY}
 *   webhook_secret: ${STRIPE_WEBHOOK_SECRET}
 *   api_base: https://api.stripe.com   # optional: another Stripe API (stripe-mock, a test)
 *   refund_spent: forgive               # or debt: a refund of spent credits leaves a debt
 * </pre>
 */
final class StripeSection {
    static final String STRIPE = "stripe";
    static final Set<String> KEYS = Set.of("secret_key", "webhook_secret", "api_base",
            "refund_spent");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final ConfigFile file;
    private final UnaryOperator<String> environment;

    StripeSection(ConfigFile file, UnaryOperator<String> environment) {
        this.file = file;
        this.environment = environment;
    }

    /** The payments configuration; null without a section (or after an error). */
    PaymentsConfig read(Node node, Map<String, Money> unitPrices) {
        if (node == null || ConfigFile.isNull(node)) {
            return null;
        }
        Map<String, Node> fields = file.mapping(node, STRIPE);
        if (fields == null) {
            return null;
        }
        int before = file.errorCount();
        file.unknownKeys(fields, STRIPE, KEYS, "one of " + KEYS.stream().sorted().toList());
        String secretKey = required(node, fields, "secret_key");
        String webhookSecret = required(node, fields, "webhook_secret");
        String apiBase = value(fields, "api_base");
        if (apiBase != null && !apiBase.matches("https?://[^\\s/]+(/[^\\s]*)?")) {
            file.error(fields.get("api_base"), STRIPE + ".api_base", "must be an http or https"
                    + " URL such as https://api.stripe.com");
        }
        if (secretKey != null && !secretKey.matches("(sk|rk)_[A-Za-z0-9_]{1,250}")) {
            file.error(fields.get("secret_key"), STRIPE + ".secret_key", "must be a Stripe"
                    + " secret key (sk_… or rk_…)");
        }
        if (webhookSecret != null && !webhookSecret.matches("\\S{8,500}")) {
            file.error(fields.get("webhook_secret"), STRIPE + ".webhook_secret", "must be the"
                    + " endpoint's signing secret (whsec_…)");
        }
        PaymentsConfig.RefundSpent refundSpent = PaymentsConfig.RefundSpent.FORGIVE;
        String spent = value(fields, "refund_spent");
        if (spent != null) {
            switch (spent) {
                case "forgive" -> refundSpent = PaymentsConfig.RefundSpent.FORGIVE;
                case "debt" -> refundSpent = PaymentsConfig.RefundSpent.DEBT;
                default -> file.error(fields.get("refund_spent"), STRIPE + ".refund_spent",
                        "must be forgive or debt, was '" + spent + "'");
            }
        }
        if (file.errorCount() > before) {
            return null;
        }
        return PaymentsConfig.of(secretKey, webhookSecret).withApiBase(apiBase)
                .withRefundSpent(refundSpent).withUnitPrices(unitPrices);
    }

    private String required(Node section, Map<String, Node> fields, String key) {
        int before = file.errorCount();
        String value = value(fields, key);
        if (value == null && file.errorCount() == before) {
            file.error(fields.getOrDefault(key, section), STRIPE + "." + key, "is required");
        }
        return value;
    }

    /** A value with its ${VARIABLES} replaced; an unset variable is an error. */
    private String value(Map<String, Node> fields, String key) {
        Node node = fields.get(key);
        String text = file.text(node, STRIPE + "." + key);
        if (text == null) {
            return null;
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = environment.apply(m.group(1));
            if (value == null || value.isEmpty()) {
                file.error(node, STRIPE + "." + key, "environment variable " + m.group(1)
                        + " is not set");
                return null;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        String result = out.toString().trim();
        return result.isEmpty() ? null : result;
    }
}
