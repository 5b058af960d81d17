package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Credits;
import dev.credits.GrantRecord;
import dev.credits.plans.Plans;
import dev.credits.plans.Subscription;
import dev.credits.plans.TestClock;
import dev.credits.postgres.PostgresLedger;
import dev.credits.server.config.AppConfig;
import dev.credits.server.config.ConfigFile;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code credits renew}, {@code credits expire} and the test clock across processes. */
class PlansCliTest {
    static final String CONFIG = """
            plans:
              - id: basic
                provides_monthly: [{credit_type: credits, amount: "100.00"}]
            """;

    @TempDir
    Path dir;
    Path config;
    String url;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        config = dir.resolve("credits.yml");
        Files.writeString(config, CONFIG, StandardCharsets.UTF_8);
        url = TestDatabase.newDatabaseUrl();
        cli = new Cli("--database-url", url, "--database-user", TestDatabase.user(),
                "--config", config.toString());
    }

    PostgresLedger open(Clock clock) {
        AppConfig app = ConfigFile.load(config);
        return PostgresLedger.open(TestDatabase.newConfig(clock, app.creditTypes())
                .withDatabase(url, TestDatabase.user(), null));
    }

    @Test
    void oneRenewal_racedFromTwoProcesses_isGrantedOnce() throws Exception {
        String id;
        Instant started = Instant.now().minus(Duration.ofDays(40));
        try (PostgresLedger ledger = open(new MutableClock(started));
             Plans plans = Plans.open(ledger.credits(), ledger.dataSource(),
                     ConfigFile.load(config).catalog())) {
            id = plans.create("c1", "basic", null, null).id();
        }
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin",
                    "java").toString(), "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "renew", "--database-url", url, "--database-user",
                    TestDatabase.user(), "--config", config.toString())
                    .redirectErrorStream(true).start());
        }
        for (Process process : processes) {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String output = new String(process.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(output).isZero();
            assertThat(output).containsPattern("renewed [01] subscription");
        }
        try (PostgresLedger ledger = open(Clock.systemUTC());
             Plans plans = Plans.open(ledger.credits(), ledger.dataSource(),
                     ConfigFile.load(config).catalog())) {
            Credits credits = ledger.credits();
            Subscription s = plans.subscription(id);
            assertThat(s.allowancePeriodEnd()).isAfter(Instant.now());
            List<GrantRecord> grants = credits.grants("c1", "credits", true);
            assertThat(grants).hasSize(2); // the first period and the renewed one, once
            assertThat(credits.wallet("c1", "credits").balance().toString()).isEqualTo("100.00");
        }
    }

    @Test
    void aTestClockDatabase_refusesToServeWithoutTheFlag_andCommandsFollowItsTime() {
        TestClock clock = TestClock.create();
        try (PostgresLedger ledger = open(clock)) {
            clock.attach(ledger.dataSource(), TestClock.Mode.SIMULATED);
            ledger.credits().wallet("c1", "credits").grant(dev.credits.Grant.of("5.00")
                    .expiresAt(clock.instant().plus(Duration.ofDays(10))));
            clock.moveTo(clock.instant().plus(Duration.ofDays(30)));
        }
        Cli.Result serve = cli.run("serve", "--port", "0");
        assertThat(serve.exitCode()).isEqualTo(Main.EXIT_REJECTED);
        assertThat(serve.err()).contains("this database has run on a test clock")
                .contains("--test-clock");
        Cli.Result expire = cli.run("expire");
        assertThat(expire.exitCode()).as(expire.err()).isZero();
        assertThat(expire.out()).contains("swept 1 wallet"); // 30 simulated days later
        Cli.Result sweep = cli.run("sweep"); // the command's name; expire is its alias
        assertThat(sweep.exitCode()).as(sweep.err()).isZero();
        assertThat(sweep.out()).contains("swept 0 wallets"); // nothing is due any more
        assertThat(cli.run("renew").out()).contains("renewed 0 subscriptions");
    }
}
