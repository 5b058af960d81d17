package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
}
