package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad options of {@code credits bench} are refused before any database is started. */
class BenchOptionsTest {
    @ParameterizedTest
    @CsvSource({"--scenario,nope,unknown scenario", "--clients,0,--clients",
            "--clients,513,--clients", "--duration,0,--duration", "--duration,3601,--duration",
            "--wallets,0,--wallets", "--history,10000001,--history",
            "--clients,many,Invalid value"})
    void badOption_exitsTwoAndSaysWhy(String option, String value, String message) {
        Cli.Result result = Cli.execute("bench", option, value);
        assertThat(result.exitCode()).isEqualTo(Main.EXIT_REJECTED);
        assertThat(result.err()).contains(message);
        assertThat(result.out()).isEmpty();
    }

    @Test
    void anchors_runBesideTheEngine_andTheJsonCarriesTheDiskAndTheRatios() throws Exception {
        Cli.Result result = Cli.execute("bench", "--scenario", "uniform,sql-single,ceiling",
                "--duration", "1", "--clients", "4", "--wallets", "50", "--json");
        assertThat(result.exitCode()).as(result.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertThat(json.get("fsync_ms").asDouble()).isPositive();
        assertThat(json.get("ratios").has("uniform_batched/ceiling")).isTrue();
        assertThat(json.get("ratios").has("uniform_batched/sql-single")).isTrue();
        int anchors = 0;
        for (JsonNode row : json.get("results")) {
            assertThat(row.get("errors").asLong()).as(row.toString()).isZero();
            if (row.get("mode").asText().equals("sql")) {
                anchors++;
                assertThat(row.get("operations").asLong()).as(row.toString()).isPositive();
            }
        }
        assertThat(anchors).isEqualTo(2);
    }
}
