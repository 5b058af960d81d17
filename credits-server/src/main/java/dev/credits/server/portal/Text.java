package dev.credits.server.portal;

import dev.credits.Amount;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pages' words in one language: every text goes through a translation key ({@code
 * portal/messages_en.properties}, {@code messages_de.properties}; the billing seed's
 * {@code translation_key}), and amounts and dates are written the language's way. A key missing
 * from a language is a build failure (a test compares the files), never a blank on a page.
 */
public final class Text {
    /** A longer Accept-Language header is ignored (English). */
    static final int ACCEPT_LANGUAGE_LENGTH_MAX = 512;
    private static final Map<String, Text> BY_LANGUAGE = new ConcurrentHashMap<>();

    private final String language;
    private final Locale locale;
    private final Properties messages;

    private Text(String language) {
        this.language = language;
        this.locale = Locale.forLanguageTag(language);
        this.messages = load(language);
    }

    /** The words of {@code language}, one of {@link PortalSessions#LOCALES}. */
    public static Text of(String language) {
        if (!PortalSessions.LOCALES.contains(language)) {
            throw new IllegalArgumentException("no translation for '" + language + "'");
        }
        return BY_LANGUAGE.computeIfAbsent(language, Text::new);
    }

    /**
     * The language of a page: the session's when it chose one, else the first of the browser's
     * {@code Accept-Language} that is translated, else English.
     */
    public static String choose(String sessionLocale, String acceptLanguage) {
        if (sessionLocale != null && PortalSessions.LOCALES.contains(sessionLocale)) {
            return sessionLocale;
        }
        if (acceptLanguage != null && acceptLanguage.length() <= ACCEPT_LANGUAGE_LENGTH_MAX) {
            try {
                for (Locale.LanguageRange range : Locale.LanguageRange.parse(acceptLanguage)) {
                    String tag = range.getRange().toLowerCase(Locale.ROOT);
                    String primary = tag.split("-", 2)[0];
                    if (PortalSessions.LOCALES.contains(primary)) {
                        return primary;
                    }
                }
            } catch (IllegalArgumentException e) {
                // a malformed header: the default
            }
        }
        return PortalSessions.LOCALES.get(0);
    }

    static Properties load(String language) {
        String name = "messages_" + language + ".properties";
        try (InputStream in = Text.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String language() {
        return language;
    }

    /** The text of {@code key}; {@code args} fill its {@code {0}}, {@code {1}}… */
    public String t(String key, Object... args) {
        String pattern = messages.getProperty(key);
        if (pattern == null) {
            throw new IllegalArgumentException("no text for '" + key + "' in " + language);
        }
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
    }

    /** An amount with exactly its scale's digits, grouped the language's way ("1,000.00"). */
    public String amount(Amount amount) {
        return number(amount.toBigDecimal(), amount.scale());
    }

    /** A signed amount: "+10.00" or "−4.50" (a real minus sign). */
    public String signed(Amount amount) {
        String text = number(amount.toBigDecimal().abs(), amount.scale());
        return amount.units() < 0 ? "\u2212" + text : amount.units() > 0 ? "+" + text : text;
    }

    String number(BigDecimal value, int scale) {
        DecimalFormat format = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(locale));
        format.setMinimumFractionDigits(scale);
        format.setMaximumFractionDigits(scale);
        format.setParseBigDecimal(true);
        return format.format(value);
    }

    public String date(Instant instant) {
        return instant == null ? "" : DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM)
                .withLocale(locale).format(instant.atZone(ZoneOffset.UTC));
    }

    public String date(LocalDate date) {
        return DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale)
                .format(date);
    }

    /** Date and time in UTC, as the history shows each entry. */
    public String dateTime(Instant instant) {
        return instant == null ? "" : DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM,
                FormatStyle.SHORT).withLocale(locale).format(instant.atZone(ZoneOffset.UTC))
                + " UTC";
    }

    /** A period in words: "6 months", "1 year and 2 days". */
    public String period(java.time.Period period) {
        List<String> parts = new java.util.ArrayList<>();
        if (period.getYears() != 0) {
            parts.add(t("period.years", period.getYears()));
        }
        if (period.getMonths() != 0) {
            parts.add(t("period.months", period.getMonths()));
        }
        if (period.getDays() != 0 || parts.isEmpty()) {
            parts.add(t("period.days", period.getDays()));
        }
        return String.join(" ", parts);
    }

    /** Every key of a language: for the test that the languages agree. */
    static List<String> keys(String language) {
        return load(language).stringPropertyNames().stream().sorted().toList();
    }
}
