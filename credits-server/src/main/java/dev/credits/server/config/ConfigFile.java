package dev.credits.server.config;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.InvalidAmountException;
import dev.credits.OverdraftLimit;
import dev.credits.ai.AiConfig;
import dev.credits.plans.Catalog;
import dev.credits.webhooks.WebhooksConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the YAML configuration file. Everything is validated at load; every problem is reported
 * at once, each with the file, line and key path. An example is {@code credits.example.yml}:
 * <pre>
 * credit_types:
 *   - id: credits            # [a-z0-9_-]{1,64}
 *     name: Credits
 *     icon: "🪙"
 *     scale: 2               # decimal places, 0..9 (default 2)
 *     overdraft_limit: 0     # a decimal, or "unlimited" (default 0)
 *     low_balance_threshold: "10.00"
 * </pre>
 * The top-level keys {@code plans} and {@code products} are read by {@link CatalogSection};
 * {@code ai} by {@link AiSection}; {@code webhooks} by {@link WebhooksSection}; any other unknown
 * key is an error.
 */
public final class ConfigFile {
    public static final String CREDIT_TYPES = "credit_types";
    /** Top-level keys read by their own sections (CatalogSection, AiSection, WebhooksSection). */
    public static final Set<String> RESERVED_KEYS = Set.of("plans", "products", "ai",
            "webhooks", "stripe", "http");
    public static final int SCALE_DEFAULT = 2;
    static final Set<String> CREDIT_TYPE_KEYS = Set.of("id", "name", "icon", "scale",
            "overdraft_limit", "low_balance_threshold", "alert_thresholds",
            "expiring_soon_days", "unit_price");
    static final int FILE_BYTES_MAX = 1024 * 1024;

    private final String source;
    private final List<String> errors = new ArrayList<>();
    /** The key node of each mapping value, so that an unknown key is reported at its line. */
    private final Map<Node, Node> keyOf = new IdentityHashMap<>();
    /** The top-level keys, once read. */
    private Map<String, Node> topLevel = Map.of();

    /** The unit prices of credit types ({@code unit_price}), by credit type. */
    private final Map<String, dev.credits.Money> unitPrices = new LinkedHashMap<>();
    private final java.util.function.UnaryOperator<String> environment;

    private ConfigFile(String source, java.util.function.UnaryOperator<String> environment) {
        this.source = source;
        this.environment = environment;
    }

    /**
     * Loads and validates a configuration file; {@code null} means no file, which is exactly
     * {@link AppConfig#defaults()}. Throws {@link ConfigException} listing every problem,
     * including a file that does not exist or cannot be read.
     */
    public static AppConfig load(Path path) {
        if (path == null) {
            return AppConfig.defaults();
        }
        String text;
        try {
            if (Files.size(path) > FILE_BYTES_MAX) {
                throw new ConfigException(List.of(path + ": larger than " + FILE_BYTES_MAX
                        + " bytes; is this the configuration file?"));
            }
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(path + ": no such file"));
        } catch (IOException | UncheckedIOException e) {
            throw new ConfigException(List.of(path + ": cannot be read: " + e.getMessage()));
        }
        return parse(text, path.toString());
    }

    /** Validates configuration text; {@code source} names it in error messages. */
    public static AppConfig parse(String yaml, String source) {
        return parse(yaml, source, System::getenv);
    }

    /** {@link #parse(String, String)} with {@code ${NAME}} values read from {@code environment}. */
    public static AppConfig parse(String yaml, String source,
                                  java.util.function.UnaryOperator<String> environment) {
        return new ConfigFile(source, environment).read(new StringReader(yaml));
    }

    private AppConfig read(Reader reader) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(reader);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(List.of(source + ":" + line + ": not valid YAML: "
                    + e.getProblem()));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(source + ": not valid YAML: " + e.getMessage()));
        }
        CreditTypes types = root == null || isNull(root) ? null : readRoot(root);
        CreditTypes known = types == null ? CreditTypes.defaults() : types;
        // The catalog names credit types; it is checked once they are known to be valid.
        Catalog catalog = errors.isEmpty() ? new CatalogSection(this, known)
                .read(topLevel.get("plans"), topLevel.get("products")) : null;
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        AiConfig ai = new AiSection(this, known).read(topLevel.get(AiSection.AI));
        WebhooksConfig webhooks = new WebhooksSection(this)
                .read(topLevel.get(WebhooksSection.WEBHOOKS));
        dev.credits.payments.PaymentsConfig payments = new StripeSection(this, environment)
                .read(topLevel.get(StripeSection.STRIPE), unitPrices);
        dev.credits.server.HttpLimits http = new HttpSection(this)
                .read(topLevel.get(HttpSection.HTTP));
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new AppConfig(known, catalog, ai, webhooks, payments, http);
    }

    private CreditTypes readRoot(Node root) {
        Map<String, Node> top = mapping(root, "(top level)");
        if (top == null) {
            return null;
        }
        topLevel = top;
        for (Map.Entry<String, Node> entry : top.entrySet()) {
            String key = entry.getKey();
            if (!key.equals(CREDIT_TYPES) && !RESERVED_KEYS.contains(key)) {
                error(keyOf.get(entry.getValue()), key, "unknown key; expected " + CREDIT_TYPES
                        + " (or plans, products, ai, webhooks, stripe, http)");
            }
        }
        Node list = top.get(CREDIT_TYPES);
        if (list == null || isNull(list)) {
            return null;
        }
        if (!(list instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            error(list, CREDIT_TYPES, "must be a non-empty list of credit types");
            return null;
        }
        List<CreditType> types = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < sequence.getValue().size(); i++) {
            String path = CREDIT_TYPES + "[" + i + "]";
            CreditType type = readCreditType(sequence.getValue().get(i), path);
            if (type != null && seen.putIfAbsent(type.id(), i) != null) {
                error(sequence.getValue().get(i), path + ".id", "'" + type.id()
                        + "' is already defined by " + CREDIT_TYPES + "["
                        + seen.get(type.id()) + "]");
            } else if (type != null) {
                types.add(type);
            }
        }
        return errors.isEmpty() ? CreditTypes.of(types) : null;
    }

    /** One credit type, or null after recording its errors. */
    private CreditType readCreditType(Node node, String path) {
        Map<String, Node> fields = mapping(node, path);
        if (fields == null) {
            return null;
        }
        int before = errors.size();
        for (Map.Entry<String, Node> entry : fields.entrySet()) {
            if (!CREDIT_TYPE_KEYS.contains(entry.getKey())) {
                error(keyOf.get(entry.getValue()), path + "." + entry.getKey(),
                        "unknown key; expected one of id, name, icon, scale, overdraft_limit,"
                        + " low_balance_threshold, alert_thresholds, expiring_soon_days,"
                        + " unit_price");
            }
        }
        String id = text(fields.get("id"), path + ".id");
        if (id == null && fields.get("id") == null) {
            error(node, path + ".id", "is required");
        } else if (id != null && !CreditType.ID_PATTERN.matcher(id).matches()) {
            error(fields.get("id"), path + ".id", "must match " + CreditType.ID_PATTERN
                    + ", was '" + id + "'");
        }
        String name = text(fields.get("name"), path + ".name");
        String icon = text(fields.get("icon"), path + ".icon");
        int scale = scale(fields.get("scale"), path + ".scale");
        OverdraftLimit overdraft = overdraftLimit(fields.get("overdraft_limit"), scale,
                path + ".overdraft_limit");
        Long threshold = threshold(fields.get("low_balance_threshold"), scale,
                path + ".low_balance_threshold");
        List<Long> alerts = alertThresholds(fields.get("alert_thresholds"), scale,
                path + ".alert_thresholds");
        int expiringDays = expiringSoonDays(fields.get("expiring_soon_days"),
                path + ".expiring_soon_days");
        dev.credits.Money unitPrice = unitPrice(fields.get("unit_price"), path + ".unit_price");
        if (errors.size() > before || id == null) {
            return null;
        }
        if (unitPrice != null) {
            unitPrices.put(id, unitPrice);
        }
        return new CreditType(id, name, icon, scale, overdraft, threshold, alerts,
                expiringDays);
    }

    /** {@code unit_price: {amount: "0.01", currency: usd}}: the price of one whole credit. */
    private dev.credits.Money unitPrice(Node node, String path) {
        if (node == null || isNull(node)) {
            return null;
        }
        Map<String, Node> fields = mapping(node, path);
        if (fields == null) {
            return null;
        }
        for (Map.Entry<String, Node> entry : fields.entrySet()) {
            if (!entry.getKey().equals("amount") && !entry.getKey().equals("currency")) {
                error(keyOf.get(entry.getValue()), path + "." + entry.getKey(),
                        "unknown key; expected amount and currency");
            }
        }
        String amount = text(fields.get("amount"), path + ".amount");
        String currency = text(fields.get("currency"), path + ".currency");
        try {
            dev.credits.Money money = dev.credits.Money.parse(amount, currency);
            if (money.minor() <= 0) {
                error(node, path + ".amount", "must be greater than zero");
                return null;
            }
            return money;
        } catch (InvalidAmountException e) {
            error(node, path, e.getMessage());
            return null;
        }
    }

    private int expiringSoonDays(Node node, String path) {
        if (node == null || isNull(node)) {
            return CreditType.EXPIRING_SOON_DAYS_DEFAULT;
        }
        String value = node instanceof ScalarNode scalar ? scalar.getValue() : null;
        if (node.getTag().equals(Tag.INT) && value != null && value.matches("[0-9]{1,3}")
                && Integer.parseInt(value) <= CreditType.EXPIRING_SOON_DAYS_MAX) {
            return Integer.parseInt(value);
        }
        error(node, path, "must be a whole number of days 0.." + CreditType.EXPIRING_SOON_DAYS_MAX
                + " (0: no notices)" + (value == null ? "" : ", was '" + value + "'"));
        return CreditType.EXPIRING_SOON_DAYS_DEFAULT;
    }

    /** A list of at most {@link CreditType#ALERT_THRESHOLDS_MAX} decimals, none negative. */
    private List<Long> alertThresholds(Node node, int scale, String path) {
        if (node == null || isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            error(node, path, "must be a list of amounts, e.g. [\"10.00\", \"1.00\"]");
            return List.of();
        }
        if (list.getValue().size() > CreditType.ALERT_THRESHOLDS_MAX) {
            error(node, path, "must have at most " + CreditType.ALERT_THRESHOLDS_MAX
                    + " thresholds");
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Long units = threshold(list.getValue().get(i), scale, path + "[" + i + "]");
            if (units != null) {
                out.add(units);
            }
        }
        return out;
    }

    private int scale(Node node, String path) {
        if (node == null || isNull(node)) {
            return SCALE_DEFAULT;
        }
        String value = node instanceof ScalarNode scalar ? scalar.getValue() : null;
        if (node.getTag().equals(Tag.INT) && value != null && value.matches("[0-9]{1,2}")
                && Integer.parseInt(value) <= Amount.SCALE_MAX) {
            return Integer.parseInt(value);
        }
        error(node, path, "must be an integer 0.." + Amount.SCALE_MAX
                + (value == null ? "" : ", was '" + value + "'"));
        return SCALE_DEFAULT;
    }

    private OverdraftLimit overdraftLimit(Node node, int scale, String path) {
        String value = decimalText(node, path);
        if (value == null) {
            return OverdraftLimit.none();
        }
        try {
            return OverdraftLimit.parse(value, scale);
        } catch (InvalidAmountException e) {
            error(node, path, "must be \"unlimited\" or a decimal of at most " + scale
                    + " decimal places that is not negative, was '" + value + "'");
            return OverdraftLimit.none();
        }
    }

    private Long threshold(Node node, int scale, String path) {
        String value = decimalText(node, path);
        if (value == null) {
            return null;
        }
        try {
            Amount amount = Amount.parse(value, scale);
            if (amount.units() >= 0) {
                return amount.units();
            }
        } catch (InvalidAmountException e) {
            // reported below, with the key and line
        }
        error(node, path, "must be a decimal of at most " + scale
                + " decimal places that is not negative, was '" + value + "'");
        return null;
    }

    /** A scalar's text (a YAML number keeps its exact digits); null when absent or null. */
    private String decimalText(Node node, String path) {
        if (node == null || isNull(node)) {
            return null;
        }
        return text(node, path);
    }

    String text(Node node, String path) {
        if (node == null || isNull(node)) {
            return null;
        }
        if (!(node instanceof ScalarNode scalar)) {
            error(node, path, "must be a single value, not a list or a mapping");
            return null;
        }
        return scalar.getValue();
    }

    /** A mapping's entries by key, in file order; null (after an error) if it is not one. */
    Map<String, Node> mapping(Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            error(node, path, "must be a mapping of keys to values");
            return null;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                error(tuple.getKeyNode(), path, "keys must be plain names");
                continue;
            }
            keyOf.put(tuple.getValueNode(), key);
            if (out.putIfAbsent(key.getValue(), tuple.getValueNode()) != null) {
                error(key, prefix(path) + key.getValue(), "is given twice");
            }
        }
        return out;
    }

    private static String prefix(String path) {
        return path.startsWith("(") ? "" : path + ".";
    }

    /**
     * {@code true} or {@code false} as written, in any case; null for anything else. YAML 1.1
     * also reads yes, no, on and off as booleans, which would make {@code protect: yes} false.
     */
    static Boolean strictBoolean(Node node) {
        if (node instanceof ScalarNode scalar && node.getTag().equals(Tag.BOOL)) {
            String text = scalar.getValue().toLowerCase(java.util.Locale.ROOT);
            if (text.equals("true") || text.equals("false")) {
                return Boolean.valueOf(text);
            }
        }
        return null;
    }

    static boolean isNull(Node node) {
        return node.getTag().equals(Tag.NULL);
    }

    int errorCount() {
        return errors.size();
    }

    /**
     * Reports each key of {@code fields} not in {@code known}, at its own line:
     * {@code path.key: unknown key; expected <expected>}.
     */
    void unknownKeys(Map<String, Node> fields, String path, Set<String> known, String expected) {
        for (Map.Entry<String, Node> entry : fields.entrySet()) {
            if (!known.contains(entry.getKey())) {
                Node key = keyNodeOf(entry.getValue());
                error(key == null ? entry.getValue() : key, path + "." + entry.getKey(),
                        "unknown key; expected " + expected);
            }
        }
    }

    /** The key node of a mapping value, to report an unknown key at its own line. */
    Node keyNodeOf(Node value) {
        return keyOf.get(value);
    }

    void error(Node node, String path, String message) {
        int line = node.getStartMark() == null ? 1 : node.getStartMark().getLine() + 1;
        errors.add(source + ":" + line + ": " + path + ": " + message);
    }
}
