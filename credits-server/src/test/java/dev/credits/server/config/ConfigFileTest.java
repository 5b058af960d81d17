package dev.credits.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.OverdraftLimit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @Test
    void goodFile_definesTheCreditTypes() {
        AppConfig config = ConfigFile.parse("""
                credit_types:
                  - id: credits
                    name: Credits
                    icon: "🪙"
                    scale: 2
                    overdraft_limit: 10.50
                    low_balance_threshold: "5.00"
                  - id: sms
                    scale: 0
                    overdraft_limit: unlimited
                """, "credits.yml");
        List<CreditType> types = List.copyOf(config.creditTypes().all());
        assertThat(types).extracting(CreditType::id).containsExactly("credits", "sms");
        assertThat(types.get(0)).isEqualTo(new CreditType("credits", "Credits", "🪙", 2,
                OverdraftLimit.of(1050), 500L));
        assertThat(types.get(1).scale()).isZero();
        assertThat(types.get(1).name()).isEqualTo("sms");
        assertThat(types.get(1).overdraftLimit().unlimited()).isTrue();
    }

    @Test
    void noFile_isExactlyTheDefaults() {
        AppConfig config = ConfigFile.load(null);
        assertThat(List.copyOf(config.creditTypes().all()))
                .isEqualTo(List.copyOf(CreditTypes.defaults().all()));
        assertThat(ConfigFile.parse("", "empty.yml").creditTypes().all())
                .containsExactly(CreditType.defaultType());
    }

    @Test
    void badScale_namesTheKeyAndLine() {
        assertThatThrownBy(() -> ConfigFile.parse("""
                credit_types:
                  - id: credits
                    scale: 2
                  - id: sms
                    scale: two
                """, "credits.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("credits.yml:5: credit_types[1].scale: must be an integer 0..9,"
                        + " was 'two'");
        assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: a\n    scale: 10\n",
                "c.yml")).hasMessageContaining("c.yml:3: credit_types[0].scale");
    }

    @Test
    void unknownCreditTypeKey_isAnError_andEveryErrorIsReported() {
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> ConfigFile.parse("""
                        credit_types:
                          - id: credits
                            colour: blue
                          - id: Bad Id
                            overdraft_limit: "-1"
                        """, "credits.yml"));
        assertThat(e.errors()).containsExactly(
                "credits.yml:3: credit_types[0].colour: unknown key; expected one of id, name,"
                        + " icon, scale, overdraft_limit, low_balance_threshold, alert_thresholds,"
                        + " expiring_soon_days, unit_price",
                "credits.yml:4: credit_types[1].id: must match [a-z0-9_-]{1,64}, was 'Bad Id'",
                "credits.yml:5: credit_types[1].overdraft_limit: must be \"unlimited\" or a"
                        + " decimal of at most 2 decimal places that is not negative, was '-1'");
    }

    @Test
    void reservedTopLevelKeys_areAccepted_otherUnknownKeysAreNot() {
        AppConfig config = ConfigFile.parse("""
                plans:
                  - id: pro
                    provides_monthly: [{credit_type: tokens, amount: 20}]
                products: []
                ai:
                  credit_type: tokens
                  credits_per_usd: "1000"
                credit_types:
                  - id: tokens
                    scale: 0
                """, "credits.yml");
        assertThat(config.creditTypes().contains("tokens")).isTrue();
        assertThatThrownBy(() -> ConfigFile.parse("credit_types: []\ncolour: {}\n", "c.yml"))
                .hasMessageContaining("c.yml:2: colour: unknown key")
                .hasMessageContaining("c.yml:1: credit_types: must be a non-empty list");
    }

    @Test
    void duplicates_andPrecision_areErrors() {
        assertThatThrownBy(() -> ConfigFile.parse("""
                credit_types:
                  - id: credits
                  - id: credits
                    low_balance_threshold: 0.001
                """, "c.yml"))
                .hasMessageContaining("c.yml:4: credit_types[1].low_balance_threshold")
                .hasMessageNotContaining("already defined");
        assertThatThrownBy(() -> ConfigFile.parse("""
                credit_types:
                  - id: credits
                  - id: credits
                """, "c.yml"))
                .hasMessageContaining("c.yml:3: credit_types[1].id: 'credits' is already defined");
        assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: a\n    id: b\n", "c.yml"))
                .hasMessageContaining("c.yml:3: credit_types[0].id: is given twice");
    }

    @Test
    void invalidYaml_namesTheLine() {
        assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: [unclosed\n", "c.yml"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("c.yml:");
    }

    @Test
    void missingFile_isAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigFile.load(dir.resolve("nope.yml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no such file");
    }

    @Test
    void theWebhooksSection_saysWhereDeliveriesMayGo_andRefusesWhatItDoesNotKnow() {
        assertThat(ConfigFile.parse("webhooks:\n  allow_private_networks: true\n", "c.yml")
                .webhooks().allowPrivateNetworks()).isTrue();
        assertThat(ConfigFile.parse("webhooks:\n  allow_private_networks: false\n", "c.yml")
                .webhooks().allowPrivateNetworks()).isFalse();
        assertThat(ConfigFile.parse("credit_types:\n  - id: credits\n", "c.yml").webhooks()
                .allowPrivateNetworks()).isFalse();
        assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  allow_private_networks:"
                + " maybe\n", "c.yml")).hasMessageContaining(
                        "c.yml:2: webhooks.allow_private_networks: must be true or false");
        assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  retries: 3\n", "c.yml"))
                .hasMessageContaining("c.yml:2: webhooks.retries: unknown key");
        assertThatThrownBy(() -> ConfigFile.parse("webhooks: [1]\n", "c.yml"))
                .hasMessageContaining("webhooks: must be a mapping");
    }

    @Test
    void alertThresholds_areAListOfAmounts_atMostTen() {
        CreditTypes types = ConfigFile.parse("credit_types:\n  - id: credits\n"
                + "    alert_thresholds: [\"1.00\", 25, \"10.00\"]\n", "c.yml").creditTypes();
        assertThat(types.require("credits").defaultAlertThresholds())
                .containsExactly(2_500L, 1_000L, 100L);
        assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: credits\n"
                + "    alert_thresholds: \"10.00\"\n", "c.yml"))
                .hasMessageContaining("c.yml:3: credit_types[0].alert_thresholds: must be a list");
        assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: credits\n"
                + "    alert_thresholds: [\"-1\", \"0.001\"]\n", "c.yml"))
                .hasMessageContaining("credit_types[0].alert_thresholds[0]")
                .hasMessageContaining("credit_types[0].alert_thresholds[1]");
        assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: credits\n"
                + "    alert_thresholds: [1,2,3,4,5,6,7,8,9,10,11]\n", "c.yml"))
                .hasMessageContaining("at most 10");
    }

    @Test
    void expiringSoonDays_isAWholeNumberOfDays_sevenByDefault() {
        assertThat(ConfigFile.parse("credit_types:\n  - id: credits\n", "c.yml").creditTypes()
                .require("credits").expiringSoonDays()).isEqualTo(7);
        assertThat(ConfigFile.parse("credit_types:\n  - id: credits\n"
                + "    expiring_soon_days: 0\n", "c.yml").creditTypes().require("credits")
                .expiringSoonDays()).isZero();
        for (String bad : new String[] {"-1", "366", "1.5", "soon"}) {
            assertThatThrownBy(() -> ConfigFile.parse("credit_types:\n  - id: credits\n"
                    + "    expiring_soon_days: " + bad + "\n", "c.yml")).as(bad)
                    .hasMessageContaining("c.yml:3: credit_types[0].expiring_soon_days");
        }
    }

    @Test
    void theRepositoryExample_isValid() throws Exception {
        Path example = Path.of("..", "credits.example.yml");
        assertThat(Files.exists(example)).isTrue();
        CreditTypes types = ConfigFile.load(example).creditTypes();
        assertThat(types.require("credits").scale()).isEqualTo(2);
        assertThat(types.require("sms").scale()).isZero();
    }
}
