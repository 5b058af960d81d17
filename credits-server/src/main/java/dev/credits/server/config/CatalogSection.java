package dev.credits.server.config;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.InvalidAmountException;
import dev.credits.plans.Catalog;
import dev.credits.plans.Interval;
import dev.credits.plans.Plan;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import dev.credits.plans.Rollover;
import java.math.BigDecimal;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The {@code plans:} and {@code products:} sections of the configuration file (issue 5):
 * <pre>
 * plans:
 *   - id: pro
 *     name: Pro
 *     interval: month            # month | year; both get their allowance every month
 *     provides_monthly:
 *       - {credit_type: credits, amount: "1000.00"}
 *     rollover: {max_amount: "500.00"}   # or {max_percent: 50}; optional
 * products:
 *   - id: pack_small
 *     name: 500 credits
 *     price: {amount: "9.00", currency: usd}
 *     provides:
 *       - {credit_type: credits, amount: "500.00", expires_after: P6M}
 * </pre>
 * Errors go to the {@link ConfigFile} being read, each with its line and key path; a credit type
 * that {@code credit_types} does not define is one of them.
 */
final class CatalogSection {
    static final Set<String> PLAN_KEYS = Set.of("id", "name", "interval", "provides_monthly",
            "rollover", "stripe_price_id");
    static final Set<String> PRODUCT_KEYS = Set.of("id", "name", "price", "provides",
            "stripe_price_id");
    static final Set<String> PROVISION_KEYS = Set.of("credit_type", "amount", "expires_after");
    static final Set<String> ROLLOVER_KEYS = Set.of("max_amount", "max_percent");
    static final Set<String> PRICE_KEYS = Set.of("amount", "currency");

    private final ConfigFile file;
    private final CreditTypes types;

    CatalogSection(ConfigFile file, CreditTypes types) {
        this.file = file;
        this.types = types;
    }

    /** The catalog, or null when an error was recorded. */
    Catalog read(Node plansNode, Node productsNode) {
        int before = file.errorCount();
        List<Plan> plans = new ArrayList<>();
        for (Map.Entry<String, Node> item : items(plansNode, "plans").entrySet()) {
            Plan plan = plan(item.getValue(), item.getKey());
            if (plan != null) {
                plans.add(plan);
            }
        }
        List<Product> products = new ArrayList<>();
        for (Map.Entry<String, Node> item : items(productsNode, "products").entrySet()) {
            Product product = product(item.getValue(), item.getKey());
            if (product != null) {
                products.add(product);
            }
        }
        unique(plansNode, "plans", plans.stream().map(Plan::id).toList());
        unique(productsNode, "products", products.stream().map(Product::id).toList());
        return file.errorCount() > before ? null : Catalog.of(plans, products);
    }

    /** The entries of a list by their key path, e.g. {@code plans[0]}; none when absent. */
    private Map<String, Node> items(Node node, String path) {
        Map<String, Node> out = new java.util.LinkedHashMap<>();
        if (node == null || ConfigFile.isNull(node)) {
            return out;
        }
        if (!(node instanceof SequenceNode sequence)) {
            file.error(node, path, "must be a list");
            return out;
        }
        for (int i = 0; i < sequence.getValue().size(); i++) {
            out.put(path + "[" + i + "]", sequence.getValue().get(i));
        }
        return out;
    }

    private void unique(Node node, String path, List<String> ids) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            if (seen.putIfAbsent(ids.get(i), i) != null) {
                file.error(node, path, "'" + ids.get(i) + "' is defined twice");
            }
        }
    }

    private Plan plan(Node node, String path) {
        Map<String, Node> fields = fields(node, path, PLAN_KEYS);
        if (fields == null) {
            return null;
        }
        int before = file.errorCount();
        String id = id(node, fields, path);
        String name = file.text(fields.get("name"), path + ".name");
        String intervalText = file.text(fields.get("interval"), path + ".interval");
        Interval interval = intervalText == null ? Interval.MONTH : Interval.parse(intervalText);
        if (interval == null) {
            file.error(fields.get("interval"), path + ".interval", "must be month or year, was '"
                    + intervalText + "'");
        }
        List<Provision> provides = provisions(node, fields.get("provides_monthly"),
                path + ".provides_monthly", false);
        Rollover rollover = rollover(fields.get("rollover"), path + ".rollover", provides);
        if (file.errorCount() > before) {
            return null;
        }
        return new Plan(id, name, interval, provides, rollover,
                stripePriceId(fields.get("stripe_price_id"), path));
    }

    private Product product(Node node, String path) {
        Map<String, Node> fields = fields(node, path, PRODUCT_KEYS);
        if (fields == null) {
            return null;
        }
        int before = file.errorCount();
        String id = id(node, fields, path);
        String name = file.text(fields.get("name"), path + ".name");
        Product.Price price = price(fields.get("price"), path + ".price");
        List<Provision> provides = provisions(node, fields.get("provides"), path + ".provides",
                true);
        if (file.errorCount() > before) {
            return null;
        }
        return new Product(id, name, price, provides,
                stripePriceId(fields.get("stripe_price_id"), path));
    }

    private String id(Node node, Map<String, Node> fields, String path) {
        String id = file.text(fields.get("id"), path + ".id");
        if (id == null) {
            file.error(node, path + ".id", "is required");
        } else if (!Catalog.ID_PATTERN.matcher(id).matches()) {
            file.error(fields.get("id"), path + ".id", "must match " + Catalog.ID_PATTERN
                    + ", was '" + id + "'");
        }
        return id;
    }

    private List<Provision> provisions(Node owner, Node node, String path, boolean expiring) {
        List<Provision> out = new ArrayList<>();
        Map<String, Node> items = items(node, path);
        if (items.isEmpty()) {
            file.error(node == null ? owner : node, path, "must be a non-empty list of"
                    + " {credit_type, amount" + (expiring ? ", expires_after}" : "}"));
        }
        for (Map.Entry<String, Node> item : items.entrySet()) {
            Provision provision = provision(item.getValue(), item.getKey(), expiring);
            if (provision != null) {
                out.add(provision);
            }
        }
        return out;
    }

    private Provision provision(Node node, String path, boolean expiring) {
        Map<String, Node> fields = fields(node, path, PROVISION_KEYS);
        if (fields == null) {
            return null;
        }
        String typeId = file.text(fields.get("credit_type"), path + ".credit_type");
        if (typeId == null) {
            file.error(node, path + ".credit_type", "is required");
            return null;
        }
        if (!types.contains(typeId)) {
            file.error(fields.get("credit_type"), path + ".credit_type", "unknown credit type '"
                    + typeId + "'; credit_types defines " + String.join(", ",
                    types.all().stream().map(CreditType::id).toList()));
            return null;
        }
        CreditType type = types.require(typeId);
        Amount amount = positiveAmount(node, fields.get("amount"), path + ".amount", type);
        Period expiresAfter = null;
        if (!expiring && fields.containsKey("expires_after")) {
            file.error(fields.get("expires_after"), path + ".expires_after",
                    "only a product's credits expire after a period; a plan's expire at renewal");
        } else if (fields.get("expires_after") != null) {
            expiresAfter = period(fields.get("expires_after"), path + ".expires_after");
        }
        return amount == null ? null : new Provision(type.id(), amount, expiresAfter);
    }

    private Amount positiveAmount(Node owner, Node node, String path, CreditType type) {
        String text = file.text(node, path);
        if (text == null) {
            file.error(node == null ? owner : node, path, "is required");
            return null;
        }
        try {
            return Amount.parsePositive(text, type.scale());
        } catch (InvalidAmountException e) {
            file.error(node, path, "must be a positive decimal of at most " + type.scale()
                    + " decimal places, was '" + text + "'");
            return null;
        }
    }

    private Period period(Node node, String path) {
        String text = file.text(node, path);
        try {
            Period period = Period.parse(text);
            if (!period.isNegative() && !period.isZero()) {
                return period;
            }
        } catch (DateTimeParseException | NullPointerException e) {
            // reported below
        }
        file.error(node, path, "must be a positive ISO-8601 period such as P6M or P30D, was '"
                + text + "'");
        return null;
    }

    private Rollover rollover(Node node, String path, List<Provision> provides) {
        if (node == null || ConfigFile.isNull(node)) {
            return null;
        }
        Map<String, Node> fields = fields(node, path, ROLLOVER_KEYS);
        if (fields == null) {
            return null;
        }
        if (fields.size() != 1) {
            file.error(node, path, "must have exactly one of max_amount or max_percent");
            return null;
        }
        Node amountNode = fields.get("max_amount");
        if (amountNode != null) {
            return maxAmount(amountNode, path + ".max_amount", provides);
        }
        String percent = file.text(fields.get("max_percent"), path + ".max_percent");
        if (percent != null && percent.matches("[0-9]{1,3}")
                && Integer.parseInt(percent) <= Rollover.PERCENT_MAX) {
            return Rollover.maxPercent(Integer.parseInt(percent));
        }
        file.error(fields.get("max_percent"), path + ".max_percent", "must be an integer 0.."
                + Rollover.PERCENT_MAX + ", was '" + percent + "'");
        return null;
    }

    /** A cap that every credit type of the plan can represent exactly. */
    private Rollover maxAmount(Node node, String path, List<Provision> provides) {
        String text = file.text(node, path);
        try {
            Rollover rollover = new Rollover(new BigDecimal(text), null);
            for (Provision provision : provides) {
                rollover.capUnits(types.require(provision.creditType()), 0);
            }
            return rollover;
        } catch (NullPointerException | InvalidAmountException | IllegalArgumentException e) {
            file.error(node, path, "must be a decimal that is not negative and is exact in the"
                    + " scale of each credit type the plan provides, was '" + text + "'");
            return null;
        }
    }

    /** A Stripe price id ({@code price_…}), or null when not given. */
    private String stripePriceId(Node node, String path) {
        String value = file.text(node, path + ".stripe_price_id");
        if (value != null && !value.matches("[A-Za-z0-9_]{1,255}")) {
            file.error(node, path + ".stripe_price_id", "must be a Stripe price id such as"
                    + " price_1PgafmB7WZ01zgkW6dKueIc5, was '" + value + "'");
            return null;
        }
        return value;
    }

    private Product.Price price(Node node, String path) {
        if (node == null || ConfigFile.isNull(node)) {
            return null;
        }
        Map<String, Node> fields = fields(node, path, PRICE_KEYS);
        if (fields == null) {
            return null;
        }
        int before = file.errorCount();
        String amount = file.text(fields.get("amount"), path + ".amount");
        String currency = file.text(fields.get("currency"), path + ".currency");
        if (amount == null || !amount.matches("[0-9]{1,12}(\\.[0-9]{1,4})?")) {
            file.error(fields.getOrDefault("amount", node), path + ".amount",
                    "must be a decimal such as \"9.00\", was '" + amount + "'");
        }
        if (currency == null || !currency.matches("[a-z]{3}")) {
            file.error(fields.getOrDefault("currency", node), path + ".currency",
                    "must be a lower-case ISO-4217 code such as usd, was '" + currency + "'");
        }
        if (file.errorCount() == before) {
            try {
                dev.credits.Money.parse(amount, currency); // the cost basis of a purchase
            } catch (dev.credits.InvalidAmountException e) {
                file.error(fields.getOrDefault("amount", node), path + ".amount",
                        e.getMessage());
            }
        }
        return new Product.Price(amount, currency);
    }

    /** A mapping whose keys are all in {@code allowed}; null (after an error) otherwise. */
    private Map<String, Node> fields(Node node, String path, Set<String> allowed) {
        Map<String, Node> fields = file.mapping(node, path);
        if (fields == null) {
            return null;
        }
        for (Map.Entry<String, Node> entry : fields.entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                file.error(file.keyNodeOf(entry.getValue()), path + "." + entry.getKey(),
                        "unknown key; expected one of " + String.join(", ",
                        allowed.stream().sorted().toList()));
            }
        }
        return fields;
    }
}
