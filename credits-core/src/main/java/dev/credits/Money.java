package dev.credits;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An amount of money: a {@code long} count of a currency's minor unit (cents for USD, yen for
 * JPY, fils for KWD) and the lower-case ISO 4217 code. Never a floating-point number.
 * <pre>{@code
 * Money price = Money.parse("9.00", "usd"); // 900 cents
 * price.toString();                         // "9.00"
 * }</pre>
 */
public record Money(long minor, String currency) {
    public static final Pattern CURRENCY_PATTERN = Pattern.compile("[a-z]{3}");
    /** Currencies whose minor unit is not a hundredth (ISO 4217, as Stripe uses them). */
    private static final Map<String, Integer> DIGITS = Map.ofEntries(
            Map.entry("bif", 0), Map.entry("clp", 0), Map.entry("djf", 0), Map.entry("gnf", 0),
            Map.entry("jpy", 0), Map.entry("kmf", 0), Map.entry("krw", 0), Map.entry("mga", 0),
            Map.entry("pyg", 0), Map.entry("rwf", 0), Map.entry("ugx", 0), Map.entry("vnd", 0),
            Map.entry("vuv", 0), Map.entry("xaf", 0), Map.entry("xof", 0), Map.entry("xpf", 0),
            Map.entry("isk", 0), Map.entry("bhd", 3), Map.entry("iqd", 3), Map.entry("jod", 3),
            Map.entry("kwd", 3), Map.entry("lyd", 3), Map.entry("omr", 3), Map.entry("tnd", 3));

    public Money {
        digits(currency);
    }

    /**
     * The number of decimal places of a currency's minor unit, as Stripe counts them (ISO
     * 4217's, with Stripe's zero-decimal currencies). Throws {@link InvalidAmountException} for
     * a code that is not a currency of ISO 4217.
     */
    public static int digits(String currency) {
        String code = requireCurrency(currency);
        Integer known = DIGITS.get(code);
        if (known != null) {
            return known;
        }
        int iso;
        try {
            iso = java.util.Currency.getInstance(code.toUpperCase(Locale.ROOT))
                    .getDefaultFractionDigits();
        } catch (IllegalArgumentException e) {
            iso = -1;
        }
        if (iso < 0) {
            throw new InvalidAmountException("'" + code + "' is not an ISO 4217 currency");
        }
        return iso;
    }

    /**
     * Parses a decimal such as {@code "9.00"} in {@code currency}: at most the currency's decimal
     * places, not negative, within a {@code long} of minor units. Throws
     * {@link InvalidAmountException} otherwise.
     */
    public static Money parse(String amount, String currency) {
        String code = requireCurrency(currency == null ? null
                : currency.toLowerCase(Locale.ROOT));
        int digits = digits(code);
        if (amount == null || !amount.matches("[0-9]{1,19}(\\.[0-9]{1,9})?")) {
            throw new InvalidAmountException("a money amount must be a decimal such as \"9.00\","
                    + " was '" + (amount == null ? "" : Amount.abbreviate(amount)) + "'");
        }
        BigDecimal value = new BigDecimal(amount);
        if (value.scale() > digits) {
            throw new InvalidAmountException("'" + amount + "' has more decimal places than "
                    + code + " has (" + digits + ")");
        }
        BigInteger minor = value.movePointRight(digits).toBigIntegerExact();
        if (minor.bitLength() > 63) {
            throw new InvalidAmountException("'" + amount + "' is too large");
        }
        return new Money(minor.longValueExact(), code);
    }

    /** {@code units / 10^scale} of a thing priced at this per whole one, rounded up. */
    public Money times(long units, int scale) {
        BigInteger product = BigInteger.valueOf(minor).multiply(BigInteger.valueOf(units));
        BigInteger[] qr = product.divideAndRemainder(BigInteger.TEN.pow(scale));
        BigInteger result = qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
        if (result.bitLength() > 63) {
            throw new ArithmeticException("money amount overflows a long");
        }
        return new Money(result.longValueExact(), currency);
    }

    /** The decimal text in the currency's unit, e.g. {@code "9.00"}, {@code "900"} for JPY. */
    @Override
    public String toString() {
        return BigDecimal.valueOf(minor, digits(currency)).setScale(digits(currency),
                RoundingMode.UNNECESSARY).toPlainString();
    }

    private static String requireCurrency(String currency) {
        if (currency == null || !CURRENCY_PATTERN.matcher(currency).matches()) {
            throw new InvalidAmountException("a currency must be a lower-case ISO 4217 code such"
                    + " as usd, was '" + (currency == null ? "" : Amount.abbreviate(currency))
                    + "'");
        }
        return currency;
    }
}
