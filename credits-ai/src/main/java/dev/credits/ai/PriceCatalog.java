package dev.credits.ai;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The prices of the models that may be metered, by provider and model. Immutable.
 * {@link #defaults()} is the built-in example catalog of current OpenAI and Anthropic models
 * (list prices compiled 2026-11-25; re-check them before charging real money); a configuration
 * overrides or extends it with {@link #with(List)}. A model that is not in the catalog is an
 * {@link UnknownModelException}; it is never priced at zero.
 */
public final class PriceCatalog {
    static final String DEFAULT_RESOURCE = "default-prices.tsv";
    /** A dated snapshot name, e.g. {@code gpt-5-mini-2025-08-07} or {@code …-20250929}. */
    private static final Pattern DATE_SUFFIX = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8})$");
    private static final int COLUMNS = 8;

    private final Map<String, ModelPrice> byKey;

    private PriceCatalog(Map<String, ModelPrice> byKey) {
        this.byKey = Collections.unmodifiableMap(byKey);
    }

    public static PriceCatalog of(List<ModelPrice> prices) {
        return empty().with(prices);
    }

    public static PriceCatalog empty() {
        return new PriceCatalog(new LinkedHashMap<>());
    }

    /** The built-in example catalog (resource {@code default-prices.tsv}, with its dates). */
    public static PriceCatalog defaults() {
        try (InputStream in = PriceCatalog.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULT_RESOURCE);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in,
                    StandardCharsets.UTF_8));
            Map<String, ModelPrice> prices = new LinkedHashMap<>();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] c = line.split("\t");
                if (c.length != COLUMNS) {
                    throw new IllegalStateException(DEFAULT_RESOURCE + ": bad line: " + line);
                }
                ModelPrice price = ModelPrice.perMillion(c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
                prices.put(key(price.provider(), price.model()), price);
            }
            return new PriceCatalog(prices);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This catalog with {@code prices} added; a model already present takes the new price. */
    public PriceCatalog with(List<ModelPrice> prices) {
        Map<String, ModelPrice> merged = new LinkedHashMap<>(byKey);
        for (ModelPrice price : prices) {
            merged.put(key(price.provider(), price.model()), price);
        }
        return new PriceCatalog(merged);
    }

    /**
     * The price of a model; a dated snapshot ({@code claude-sonnet-4-5-20250929}) falls back to
     * its undated name when only that is listed. Throws {@link UnknownModelException}.
     */
    public ModelPrice require(String provider, String model) {
        String p = ModelPrice.normalize(provider);
        String m = ModelPrice.normalize(model);
        if (p == null || p.isEmpty() || m == null || m.isEmpty()) {
            throw new UnknownModelException(provider, model);
        }
        ModelPrice price = byKey.get(key(p, m));
        if (price == null) {
            price = byKey.get(key(p, DATE_SUFFIX.matcher(m).replaceFirst("")));
        }
        if (price == null) {
            throw new UnknownModelException(provider, model);
        }
        return price;
    }

    public Collection<ModelPrice> all() {
        return byKey.values();
    }

    private static String key(String provider, String model) {
        return provider + "/" + model;
    }
}
