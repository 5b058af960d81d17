package dev.credits.ai;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The list price of one model, kept as whole nano-USD (10^-9 USD) per token so that every cost is
 * an exact {@code long}. Prices are written per million tokens in USD, as providers publish them;
 * a price with more than {@value #PRICE_DECIMALS_MAX} decimal places per million would be a
 * fraction of a nano-USD per token and is rejected, never rounded.
 *
 * <p>A kind the provider does not charge separately (for example OpenAI cache writes) is priced
 * at the input price: a token is never free because a column was left empty.
 *
 * @param provider           {@code openai}, {@code anthropic}, … (lower case)
 * @param model              the model name without a date suffix, e.g. {@code gpt-4o-mini}
 * @param inputNanoUsd       uncached input, per token
 * @param cachedInputNanoUsd cache reads ("cached input"), per token
 * @param cacheWriteNanoUsd  cache writes (Anthropic: the 5-minute cache), per token
 * @param cacheWrite1hNanoUsd cache writes to Anthropic's 1-hour cache, per token
 * @param outputNanoUsd      output (reasoning tokens included), per token
 */
public record ModelPrice(String provider, String model, long inputNanoUsd,
                         long cachedInputNanoUsd, long cacheWriteNanoUsd,
                         long cacheWrite1hNanoUsd, long outputNanoUsd) {

    /** The most a configured price may be: 10,000 USD per million tokens (10^7 nano-USD/token). */
    public static final long PRICE_PER_MILLION_USD_MAX = 10_000;
    /** Decimal places of a per-million price that still make whole nano-USD per token. */
    public static final int PRICE_DECIMALS_MAX = 3;
    /** Provider and model names: lower-case letters, digits, {@code . _ : / -}. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._:/-]{0,127}");
    private static final BigDecimal NANO_PER_MILLION = BigDecimal.valueOf(1_000);

    public ModelPrice {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        requireName("provider", provider);
        requireName("model", model);
        long max = PRICE_PER_MILLION_USD_MAX * 1_000;
        for (long price : new long[] {inputNanoUsd, cachedInputNanoUsd, cacheWriteNanoUsd,
                cacheWrite1hNanoUsd, outputNanoUsd}) {
            if (price < 0 || price > max) {
                throw new IllegalArgumentException(provider + "/" + model
                        + ": a price must be 0.." + PRICE_PER_MILLION_USD_MAX + " USD per million");
            }
        }
        if (inputNanoUsd == 0 || outputNanoUsd == 0) {
            throw new IllegalArgumentException(provider + "/" + model
                    + ": input and output prices must be greater than zero");
        }
    }

    /**
     * A price from per-million USD decimal strings as published (e.g. {@code "0.15"}); a null or
     * {@code "-"} cache price means "not charged separately", which is the input price.
     * Throws {@link IllegalArgumentException} naming the bad field.
     */
    public static ModelPrice perMillion(String provider, String model, String input,
                                        String cachedInput, String cacheWrite,
                                        String cacheWrite1h, String output) {
        long in = nanoPerToken("input_per_million_usd", input, null);
        return new ModelPrice(provider, model, in,
                nanoPerToken("cached_input_per_million_usd", cachedInput, in),
                nanoPerToken("cache_write_per_million_usd", cacheWrite, in),
                nanoPerToken("cache_write_1h_per_million_usd", cacheWrite1h, in),
                nanoPerToken("output_per_million_usd", output, null));
    }

    /** USD per million tokens → nano-USD per token, exactly; {@code fallback} when absent. */
    static long nanoPerToken(String field, String perMillion, Long fallback) {
        if (perMillion == null || perMillion.isBlank() || perMillion.equals("-")) {
            if (fallback == null) {
                throw new IllegalArgumentException(field + " is required");
            }
            return fallback;
        }
        BigDecimal value;
        try {
            value = new BigDecimal(perMillion.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " must be a decimal such as \"0.15\", was '"
                    + perMillion + "'");
        }
        BigDecimal max = BigDecimal.valueOf(PRICE_PER_MILLION_USD_MAX);
        if (value.signum() < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + " must be 0.." + PRICE_PER_MILLION_USD_MAX
                    + ", was " + perMillion);
        }
        if (value.stripTrailingZeros().scale() > PRICE_DECIMALS_MAX) {
            throw new IllegalArgumentException(field + " has more than " + PRICE_DECIMALS_MAX
                    + " decimal places (prices are whole nano-USD per token), was " + perMillion);
        }
        return value.multiply(NANO_PER_MILLION).longValueExact();
    }

    /** The price of the most expensive kind of input token: what a reservation assumes. */
    public long maxInputNanoUsd() {
        return Math.max(Math.max(inputNanoUsd, cachedInputNanoUsd),
                Math.max(cacheWriteNanoUsd, cacheWrite1hNanoUsd));
    }

    /** Renders nano-USD per token as USD per million tokens, e.g. 150 → {@code "0.15"}. */
    public static String perMillionText(long nanoUsdPerToken) {
        return BigDecimal.valueOf(nanoUsdPerToken, PRICE_DECIMALS_MAX).stripTrailingZeros()
                .toPlainString();
    }

    static void requireName(String field, String value) {
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must match " + NAME + ", was '"
                    + value + "'");
        }
    }

    static String normalize(String name) {
        return name == null ? null : name.trim().toLowerCase(Locale.ROOT);
    }
}
