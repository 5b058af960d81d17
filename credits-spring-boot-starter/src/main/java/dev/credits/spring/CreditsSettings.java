package dev.credits.spring;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.CreditsConfig;
import dev.credits.CreditsException;
import dev.credits.OverdraftLimit;
import dev.credits.ai.AiConfig;
import dev.credits.plans.Catalog;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@link CreditsProperties} checked and turned into the ledger's own configuration. Each bad value
 * is an {@link IllegalArgumentException} whose message starts with the property's name, so a
 * misconfigured application stops at start with the key to fix.
 */
final class CreditsSettings {
    private static final Pattern CURRENCY_PATTERN = Pattern.compile("[a-z]{3}");

    private CreditsSettings() {
    }

    static CreditsConfig config(CreditsProperties properties, Clock clock) {
        long sweepMs = millis(properties.getSweeperInterval(), "credits.sweeper-interval");
        CreditTypes types = creditTypes(properties);
        between("credits.pool-size", properties.getPoolSize(), 1, CreditsConfig.POOL_SIZE_MAX);
        between("credits.group-commit.queue-commands-max",
                properties.getGroupCommit().getQueueCommandsMax(), 1,
                CreditsConfig.GROUP_COMMIT_QUEUE_COMMANDS_MAX);
        if (properties.getDataDirectory() == null
                || properties.getDataDirectory().toString().isBlank()) {
            throw new IllegalArgumentException("credits.data-directory: must not be empty");
        }
        try {
            CreditsConfig config = CreditsConfig.defaults()
                    .withDataDirectory(properties.getDataDirectory())
                    .withCreditTypes(types)
                    .withClock(clock)
                    .withDurable(properties.isDurable())
                    .withPoolSize(properties.getPoolSize())
                    .withSweepIntervalMs(sweepMs)
                    .withGroupCommit(properties.getGroupCommit().isEnabled())
                    .withGroupCommitQueueCommandsMax(
                            properties.getGroupCommit().getQueueCommandsMax());
            return properties.getDatabaseUrl() == null ? config
                    : config.withDatabase(properties.getDatabaseUrl(),
                            properties.getDatabaseUser(), properties.getDatabasePassword());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("credits: " + e.getMessage(), e);
        }
    }

    static CreditTypes creditTypes(CreditsProperties properties) {
        List<CreditsProperties.CreditTypeProperties> configured = properties.getCreditTypes();
        if (configured.isEmpty()) {
            return CreditTypes.defaults();
        }
        List<CreditType> types = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < configured.size(); i++) {
            String path = "credits.credit-types[" + i + "]";
            CreditType type = creditType(configured.get(i), path);
            if (!ids.add(type.id())) {
                throw new IllegalArgumentException(path + ".id: '" + type.id()
                        + "' is configured twice");
            }
            types.add(type);
        }
        return CreditTypes.of(types);
    }

    private static CreditType creditType(CreditsProperties.CreditTypeProperties p, String path) {
        if (p.getId() == null || !CreditType.ID_PATTERN.matcher(p.getId()).matches()) {
            throw new IllegalArgumentException(path + ".id: must match " + CreditType.ID_PATTERN
                    + ", was '" + p.getId() + "'");
        }
        int scale = p.getScale();
        if (scale < 0 || scale > Amount.SCALE_MAX) {
            throw new IllegalArgumentException(path + ".scale: must be 0.." + Amount.SCALE_MAX
                    + ", was " + scale);
        }
        OverdraftLimit overdraft = parse(path + ".overdraft-limit", () ->
                OverdraftLimit.parse(p.getOverdraftLimit(), scale));
        Long low = p.getLowBalanceThreshold() == null ? null
                : notNegative(path + ".low-balance-threshold", p.getLowBalanceThreshold(), scale);
        List<Long> alerts = new ArrayList<>();
        for (int i = 0; i < p.getAlertThresholds().size(); i++) {
            alerts.add(notNegative(path + ".alert-thresholds[" + i + "]",
                    p.getAlertThresholds().get(i), scale));
        }
        try {
            return new CreditType(p.getId(), p.getName(), p.getIcon(), scale, overdraft, low,
                    alerts, p.getExpiringSoonDays());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    private static long notNegative(String path, String text, int scale) {
        Amount amount = parse(path, () -> Amount.parse(text, scale));
        if (amount.units() < 0) {
            throw new IllegalArgumentException(path + ": must not be negative, was '" + text
                    + "'");
        }
        return amount.units();
    }

    static Catalog catalog(CreditsProperties properties, CreditTypes types) {
        List<Product> products = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < properties.getProducts().size(); i++) {
            String path = "credits.products[" + i + "]";
            Product product = product(properties.getProducts().get(i), path, types);
            if (!ids.add(product.id())) {
                throw new IllegalArgumentException(path + ".id: '" + product.id()
                        + "' is configured twice");
            }
            products.add(product);
        }
        return Catalog.of(List.of(), products);
    }

    private static Product product(CreditsProperties.ProductProperties p, String path,
                                   CreditTypes types) {
        if (p.getId() == null || !Catalog.ID_PATTERN.matcher(p.getId()).matches()) {
            throw new IllegalArgumentException(path + ".id: must match " + Catalog.ID_PATTERN
                    + ", was '" + p.getId() + "'");
        }
        Product.Price price = null;
        if (p.getPriceAmount() != null || p.getPriceCurrency() != null) {
            if (p.getPriceCurrency() == null
                    || !CURRENCY_PATTERN.matcher(p.getPriceCurrency()).matches()) {
                throw new IllegalArgumentException(path + ".price-currency: must be a lower-case"
                        + " ISO 4217 code, was '" + p.getPriceCurrency() + "'");
            }
            parse(path + ".price-amount", () -> Amount.parse(p.getPriceAmount(), Amount.SCALE_MAX));
            price = new Product.Price(p.getPriceAmount(), p.getPriceCurrency());
        }
        if (p.getProvides().isEmpty()) {
            throw new IllegalArgumentException(path + ".provides: must name at least one grant");
        }
        List<Provision> provides = new ArrayList<>();
        for (int i = 0; i < p.getProvides().size(); i++) {
            provides.add(provision(p.getProvides().get(i), path + ".provides[" + i + "]", types));
        }
        return new Product(p.getId(), p.getName(), price, provides);
    }

    private static Provision provision(CreditsProperties.ProvisionProperties p, String path,
                                       CreditTypes types) {
        if (p.getCreditType() == null || !types.contains(p.getCreditType())) {
            throw new IllegalArgumentException(path + ".credit-type: must be a configured credit"
                    + " type, was '" + p.getCreditType() + "'");
        }
        CreditType type = types.require(p.getCreditType());
        Amount amount = parse(path + ".amount", () -> Amount.parsePositive(p.getAmount(),
                type.scale()));
        if (p.getExpiresAfter() != null
                && (p.getExpiresAfter().isNegative() || p.getExpiresAfter().isZero())) {
            throw new IllegalArgumentException(path + ".expires-after: must be a positive"
                    + " period, e.g. P6M, was " + p.getExpiresAfter());
        }
        return new Provision(type.id(), amount, p.getExpiresAfter());
    }

    static AiConfig ai(CreditsProperties properties) {
        CreditsProperties.Ai ai = properties.getAi();
        return AiConfig.defaults().withCreditType(ai.getCreditType())
                .withCreditsPerUsd(ai.getCreditsPerUsd(), ai.getMarkupPercent());
    }

    private static void between(String path, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(path + ": must be " + min + ".." + max + ", was "
                    + value);
        }
    }

    static long millis(Duration duration, String path) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(path + ": must be 0 or more, was " + duration);
        }
        return duration.toMillis();
    }

    private static <T> T parse(String path, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (CreditsException | IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }
}
