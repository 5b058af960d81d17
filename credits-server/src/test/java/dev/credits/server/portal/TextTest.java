package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Amount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TextTest {
    @Test
    void everyLanguageHasEveryKey() {
        assertThat(Text.keys("de")).isEqualTo(Text.keys("en"));
    }

    @Test
    void everyKeyThePagesUseIsTranslated() throws IOException {
        Pattern literal = Pattern.compile("\\bt\\(\"([a-z_.0-9]+)\"");
        Set<String> used = new LinkedHashSet<>();
        try (Stream<Path> files = Stream.concat(Files.walk(Path.of("src/main/jte")),
                Files.walk(Path.of("src/main/java/dev/credits/server/portal")))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Matcher m = literal.matcher(Files.readString(file));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertThat(used).hasSizeGreaterThan(50);
        for (String key : used) {
            if (key.endsWith(".")) {
                // a key made from a prefix and a wire name: every wire name is translated
                assertThat(Text.keys("en")).as(key).anyMatch(k -> k.startsWith(key));
            } else {
                assertThat(Text.keys("en")).contains(key);
            }
        }
        for (dev.credits.GrantSource source : dev.credits.GrantSource.values()) {
            assertThat(Text.keys("en")).contains("source." + source.wireName());
        }
        for (dev.credits.GrantStatus status : dev.credits.GrantStatus.values()) {
            assertThat(Text.keys("en")).contains("status." + status.wireName());
        }
        for (dev.credits.TransactionType type : dev.credits.TransactionType.values()) {
            assertThat(Text.keys("en")).contains("history.type." + type.wireName());
        }
    }

    @Test
    void amountsAreWrittenTheLanguagesWayAndExactly() {
        Amount big = Amount.ofUnits(123_456_789_012_345_678L, 2);
        assertThat(Text.of("en").amount(big)).isEqualTo("1,234,567,890,123,456.78");
        assertThat(Text.of("de").amount(big)).isEqualTo("1.234.567.890.123.456,78");
        assertThat(Text.of("en").signed(Amount.ofUnits(-450, 2))).isEqualTo("\u22124.50");
        assertThat(Text.of("en").signed(Amount.ofUnits(Long.MIN_VALUE, 0)))
                .isEqualTo("\u22129,223,372,036,854,775,808");
        assertThat(Text.of("en").t("history.count", 1)).isEqualTo("1 use");
        assertThat(Text.of("de").t("history.count", 3)).isEqualTo("3 Nutzungen");
    }

    @Test
    void theLanguageIsTheSessionsThenTheBrowsersThenEnglish() {
        assertThat(Text.choose("de", "en-US")).isEqualTo("de");
        assertThat(Text.choose(null, "fr-CH, de;q=0.8, en;q=0.5")).isEqualTo("de");
        assertThat(Text.choose(null, "fr")).isEqualTo("en");
        assertThat(Text.choose(null, ";;;garbage")).isEqualTo("en");
        assertThat(Text.choose(null, null)).isEqualTo("en");
        assertThatThrownBy(() -> Text.of("fr")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRunwayIsWholeDaysOfTheRecentRate() {
        Text en = Text.of("en");
        assertThat(Portal.runway(en, Amount.ofUnits(10_000, 2), 3_000, 30))
                .contains("about 100 days").contains("last 30 days");
        assertThat(Portal.runway(en, Amount.ofUnits(10_000, 2), 0, 30)).contains("No usage");
        assertThat(Portal.runway(en, Amount.ofUnits(-5, 2), 10, 30)).contains("Nothing left");
        assertThat(Portal.runway(en, Amount.ofUnits(Long.MAX_VALUE, 2), 1, 30))
                .contains("100,000 days");
        assertThat(Portal.runway(en, Amount.ofUnits(10_000, 2), 1_000, 1))
                .isEqualTo("At your rate of the last day, your credits last about 10 days");
    }

    @Test
    void theRunwaysRateIsTakenSinceTheFirstUseOfTheLast30Days() {
        java.time.LocalDate today = java.time.LocalDate.parse("2026-12-02");
        assertThat(Portal.daysOfUse(today, today)).isEqualTo(1);
        assertThat(Portal.daysOfUse(today.minusDays(1), today)).isEqualTo(2);
        assertThat(Portal.daysOfUse(today.minusDays(40), today)).isEqualTo(30);
        assertThat(Portal.daysOfUse(null, today)).isEqualTo(30);
    }
}
