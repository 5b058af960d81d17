package dev.credits.server.config;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.InvalidAmountException;
import dev.credits.ai.AiConfig;
import dev.credits.ai.CreditConversion;
import dev.credits.ai.MissingUsage;
import dev.credits.ai.ModelPrice;
import dev.credits.ai.PriceCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The {@code ai:} section of the configuration file: how AI calls are charged and the prices
 * that override the built-in example catalog. Every problem is reported with its file, line and
 * key path, through {@link ConfigFile}.
 * <pre>
 * ai:
 *   credit_type: credits
 *   credits_per_usd: "100"
 *   markup_percent: "20"
 *   missing_usage: error          # or charge_reserved
 *   spend_limits: {daily: "50.00", monthly: "500.00"}
 *   models:
 *     - provider: openai
 *       model: gpt-4o-mini
 *       input_per_million_usd: "0.15"
 *       output_per_million_usd: "0.60"
 *       cached_input_per_million_usd: "0.075"
 * </pre>
 */
final class AiSection {
    static final String AI = "ai";
    static final Set<String> KEYS = Set.of("credit_type", "credits_per_usd", "markup_percent",
            "missing_usage", "spend_limits", "models");
    static final Set<String> LIMIT_KEYS = Set.of("daily", "monthly");
    static final Set<String> MODEL_KEYS = Set.of("provider", "model", "input_per_million_usd",
            "output_per_million_usd", "cached_input_per_million_usd",
            "cache_write_per_million_usd", "cache_write_1h_per_million_usd");
    static final int MODELS_MAX = 1_000;

    private final ConfigFile file;
    private final CreditTypes types;

    AiSection(ConfigFile file, CreditTypes types) {
        this.file = file;
        this.types = types;
    }

    /**
     * The AI configuration; without the section, the defaults when the credit type
     * {@code credits} exists, else null (the server then answers AI routes with
     * {@code unknown_credit_type}). Null after recording errors.
     */
    AiConfig read(Node node) {
        boolean absent = node == null || ConfigFile.isNull(node);
        if (absent) {
            return types.contains(AiConfig.CREDIT_TYPE_DEFAULT) ? AiConfig.defaults() : null;
        }
        Map<String, Node> fields = file.mapping(node, AI);
        if (fields == null) {
            return null;
        }
        int before = file.errorCount();
        unknownKeys(fields, AI, KEYS);
        String typeId = text(fields, "credit_type", AiConfig.CREDIT_TYPE_DEFAULT);
        CreditType type = null;
        if (!types.contains(typeId)) {
            file.error(at(fields, "credit_type", node), AI + ".credit_type", "'" + typeId
                    + "' is not a configured credit type");
        } else {
            type = types.require(typeId);
        }
        String perUsd = text(fields, "credits_per_usd", AiConfig.CREDITS_PER_USD_DEFAULT);
        String markup = text(fields, "markup_percent", "0");
        if (type != null) {
            try {
                CreditConversion.of(perUsd, markup, type.scale());
            } catch (IllegalArgumentException e) {
                file.error(at(fields, "credits_per_usd", node), AI + ".credits_per_usd",
                        e.getMessage());
            }
        }
        MissingUsage missing = missingUsage(fields);
        String[] limits = limits(fields.get("spend_limits"), type);
        PriceCatalog catalog = PriceCatalog.defaults().with(models(fields.get("models")));
        if (file.errorCount() > before) {
            return null;
        }
        return new AiConfig(typeId, perUsd, markup, catalog, missing, limits[0], limits[1]);
    }

    private MissingUsage missingUsage(Map<String, Node> fields) {
        String text = text(fields, "missing_usage", "error");
        try {
            return MissingUsage.parse(text);
        } catch (IllegalArgumentException e) {
            file.error(fields.get("missing_usage"), AI + ".missing_usage", e.getMessage());
            return null;
        }
    }

    /** {daily, monthly}, each a positive amount of the AI credit type or null. */
    private String[] limits(Node node, CreditType type) {
        String[] out = new String[2];
        if (node == null || ConfigFile.isNull(node)) {
            return out;
        }
        String path = AI + ".spend_limits";
        Map<String, Node> fields = file.mapping(node, path);
        if (fields == null) {
            return out;
        }
        unknownKeys(fields, path, LIMIT_KEYS);
        out[0] = limit(fields, "daily", path, type);
        out[1] = limit(fields, "monthly", path, type);
        return out;
    }

    private String limit(Map<String, Node> fields, String key, String path, CreditType type) {
        String text = text(fields, key, null);
        if (text == null || type == null) {
            return text;
        }
        try {
            if (Amount.parse(text, type.scale()).isPositive()) {
                return text;
            }
        } catch (InvalidAmountException e) {
            // reported below, with the key and line
        }
        file.error(fields.get(key), path + "." + key, "must be a positive amount of at most "
                + type.scale() + " decimal places, was '" + text + "'");
        return null;
    }

    private List<ModelPrice> models(Node node) {
        List<ModelPrice> prices = new ArrayList<>();
        if (node == null || ConfigFile.isNull(node)) {
            return prices;
        }
        String path = AI + ".models";
        if (!(node instanceof SequenceNode sequence) || sequence.getValue().size() > MODELS_MAX) {
            file.error(node, path, "must be a list of at most " + MODELS_MAX + " models");
            return prices;
        }
        for (int i = 0; i < sequence.getValue().size(); i++) {
            ModelPrice price = model(sequence.getValue().get(i), path + "[" + i + "]");
            if (price != null) {
                prices.add(price);
            }
        }
        return prices;
    }

    private ModelPrice model(Node node, String path) {
        Map<String, Node> f = file.mapping(node, path);
        if (f == null) {
            return null;
        }
        unknownKeys(f, path, MODEL_KEYS);
        try {
            return ModelPrice.perMillion(required(f, "provider").toLowerCase(Locale.ROOT),
                    required(f, "model").toLowerCase(Locale.ROOT),
                    required(f, "input_per_million_usd"),
                    text(f, "cached_input_per_million_usd", null),
                    text(f, "cache_write_per_million_usd", null),
                    text(f, "cache_write_1h_per_million_usd", null),
                    required(f, "output_per_million_usd"));
        } catch (IllegalArgumentException e) {
            file.error(node, path, e.getMessage());
            return null;
        }
    }

    private String required(Map<String, Node> fields, String key) {
        String value = text(fields, key, null);
        if (value == null) {
            throw new IllegalArgumentException(key + " is required");
        }
        return value;
    }

    private String text(Map<String, Node> fields, String key, String fallback) {
        String value = file.text(fields.get(key), AI + "." + key);
        return value == null ? fallback : value.trim();
    }

    private void unknownKeys(Map<String, Node> fields, String path, Set<String> allowed) {
        file.unknownKeys(fields, path, allowed, "one of " + String.join(", ",
                allowed.stream().sorted().toList()));
    }

    private static Node at(Map<String, Node> fields, String key, Node fallback) {
        Node node = fields.get(key);
        return node == null ? fallback : node;
    }
}
