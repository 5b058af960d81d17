package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditTypes;
import dev.credits.CreditsConfig;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.TestDatabase;
import dev.credits.webhooks.Webhooks;
import dev.credits.webhooks.WebhooksConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliCommandsTest {
    private Cli cli;

    private String url;

    @BeforeEach
    void newDatabase() {
        url = TestDatabase.newDatabaseUrl();
        cli = new Cli("--database-url", url, "--database-user", TestDatabase.user());
    }

    /** The balance, held and available columns of one wallet. */
    private List<String> wallet(String customer) {
        Cli.Result result = cli.run("balance", customer, "--type", "credits");
        assertThat(result.exitCode()).as(result.err()).isZero();
        String[] cells = result.lines().get(1).trim().split("\\s+");
        return List.of(cells[1], cells[2], cells[3]);
    }

    private Cli.Result ok(String... args) {
        Cli.Result result = cli.run(args);
        assertThat(result.exitCode()).as("%s%n%s", result.out(), result.err()).isZero();
        return result;
    }

    private static String field(Cli.Result result, String name) {
        return result.lines().stream().map(String::trim).filter(l -> l.startsWith(name + " "))
                .map(l -> l.substring(name.length()).trim()).findFirst().orElseThrow();
    }

    @Test
    void grantWithACostBasis_thenTheRevenueReport_inEachFormat() {
        Cli.Result grant = ok("grant", "payer", "1000.00", "--cost-basis", "9.99usd");
        assertThat(field(grant, "cost basis")).isEqualTo("9.99 usd");
        ok("spend", "payer", "250.00");
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String from = now.minusSeconds(3_600).toString();
        String to = now.plusSeconds(3_600).toString();
        Cli.Result table = ok("report", "revenue", "--from", from, "--to", to);
        assertThat(table.lines().get(0)).contains("opening_deferred", "closing_deferred");
        assertThat(table.lines().get(1).trim().split("\\s+")).containsExactly(from, to, "usd",
                "0.00", "9.99", "2.49", "0.00", "0.00", "7.50");
        Cli.Result csv = ok("report", "revenue", "--from", from, "--to", to, "--currency",
                "usd", "--customer", "payer", "--format", "csv");
        assertThat(csv.lines().get(1)).isEqualTo(from + "," + to
                + ",usd,0.00,9.99,2.49,0.00,0.00,7.50");
        Cli.Result json = ok("report", "revenue", "--from", from, "--to", to, "--format",
                "json", "--by", "month");
        assertThat(json.out()).contains("\"recognized\" : \"2.49\"");
        for (String[] args : List.of(
                new String[] {"grant", "payer", "1.00", "--cost-basis", "9.99"},
                new String[] {"grant", "payer", "1.00", "--cost-basis", "-1usd"},
                new String[] {"grant", "payer", "1.00", "--cost-basis", "9.999usd"},
                new String[] {"grant", "payer", "1.00", "--cost-basis", "9.99xyz"},
                new String[] {"report", "revenue", "--from", to, "--to", from},
                new String[] {"report", "revenue", "--from", from, "--to", to, "--currency",
                        "dollars"})) {
            Cli.Result bad = cli.run(args);
            assertThat(bad.exitCode()).as(String.join(" ", args) + "\n" + bad.err())
                    .isEqualTo(Main.EXIT_REJECTED);
        }
        assertThat(wallet("payer")).containsExactly("750.00", "0.00", "750.00");
    }

    @Test
    void grantThenSpend_updatesBalanceAndHistory() {
        Cli.Result grant = ok("grant", "user_42", "100.00", "--reason", "top-up");
        assertThat(grant.out()).contains("granted 100.00 credits to user_42");
        assertThat(field(grant, "grant")).startsWith("grt_");
        assertThat(field(grant, "balance")).isEqualTo("100.00");

        Cli.Result spend = ok("spend", "user_42", "10.25", "--feature", "chat");
        assertThat(field(spend, "balance")).isEqualTo("89.75");
        assertThat(field(spend, "paid by")).isEqualTo(field(grant, "grant") + " 10.25");
        assertThat(wallet("user_42")).containsExactly("89.75", "0.00", "89.75");

        Cli.Result history = ok("history", "user_42");
        assertThat(history.lines()).hasSize(3);
        assertThat(history.lines().get(1)).contains("usage", "-10.25", "89.75", "feature=chat");
        assertThat(history.lines().get(2)).contains("grant", "100.00", "reason=top-up");
    }

    @Test
    void history_pagesWithCursor() {
        for (int i = 0; i < 3; i++) {
            ok("grant", "pager", "1.00");
        }
        Cli.Result first = ok("history", "pager", "--limit", "2");
        String more = first.lines().get(first.lines().size() - 1);
        assertThat(more).startsWith("more: --cursor ");
        Cli.Result second = ok("history", "pager", "--limit", "2", "--cursor",
                more.substring("more: --cursor ".length()));
        assertThat(second.lines()).hasSize(2);
    }

    @Test
    void voidGrant_removesWhatRemains() {
        String grantId = field(ok("grant", "voider", "50.00"), "grant");
        ok("spend", "voider", "20.00");
        Cli.Result voided = ok("void", grantId, "--reason", "chargeback");
        assertThat(field(voided, "status")).isEqualTo("voided");
        assertThat(wallet("voider").get(0)).isEqualTo("0.00");

        Cli.Result again = cli.run("void", grantId);
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).startsWith("error: invalid_state: ");
    }

    @Test
    void spend_moreThanAvailable_isRejectedAndWritesNothing() {
        ok("grant", "poor", "5.00");
        Cli.Result result = cli.run("spend", "poor", "5.01");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("error: insufficient_credits: ");
        assertThat(wallet("poor")).containsExactly("5.00", "0.00", "5.00");
    }

    @Test
    void badInput_exitsTwoAndWritesNothing() {
        ok("grant", "careful", "10.00");
        String[][] bad = {
            {"grant", "careful", "abc"},
            {"grant", "careful", "1.001"},
            {"grant", "careful", "0"},
            {"grant", "careful", "1000000000001"},
            {"grant", "careful", "-5"},
            {"grant", "careful", "5", "--type", "gold"},
            {"grant", "careful", "5", "--source", "gift"},
            {"grant", "careful", "5", "--priority", "101"},
            {"grant", "careful", "5", "--priority", "high"},
            {"grant", "careful", "5", "--expires-at", "tomorrow"},
            {"grant", "careful", "5", "--expires-at", "+294277-01-01T00:00:00Z"},
            {"grant", "careful", "5", "--expires-at", "-4714-01-01T00:00:00Z"},
            {"grant", "careful", "5", "--idempotency-key", "\u00a7ai:aic_1:capture"},
            {"grant", "bad customer!", "5"},
            {"grant", "careful"},
            {"spend", "careful", "1e3"},
            {"spend", "careful", "20.00"},
            {"spend", "careful", ""},
            {"history", "careful", "--limit", "0"},
            {"history", "careful", "--cursor", "forged"},
            {"history", "careful", "--kind", "gift"},
            {"void", "grt_missing"},
            {"export", "--format", "xml"},
            {"balance", "careful", "--type", "gold"},
            {"nonsense"},
        };
        for (String[] args : bad) {
            Cli.Result result = cli.run(args);
            assertThat(result.exitCode()).as(String.join(" ", args) + "\n" + result.err())
                    .isEqualTo(2);
            assertThat(result.err()).as(String.join(" ", args)).isNotBlank();
        }
        assertThat(wallet("careful")).containsExactly("10.00", "0.00", "10.00");
        assertThat(ok("history", "careful").lines()).hasSize(2);
        assertThat(ok("verify").out()).contains("clean");
    }

    @Test
    void webhooksAndEvents_showWhatTheDatabaseHolds_andRetrySchedulesAnAttempt() {
        ok("grant", "hooked", "5.00");
        String endpointId;
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults())
                .withDatabase(url, TestDatabase.user(), null);
        try (PostgresLedger ledger = PostgresLedger.open(config);
             Webhooks webhooks = Webhooks.open(ledger.credits(), ledger.backgroundDataSource(),
                     WebhooksConfig.defaults().withAllowPrivateNetworks(true)
                             .withPollIntervalMs(0))) {
            endpointId = webhooks.createEndpoint("http://127.0.0.1:9/hook",
                    List.of("credits.granted"), null, null).endpoint().id();
            ok("grant", "hooked", "1.00");
            webhooks.deliverDue(); // nothing listens on port 9: a failed attempt, retried later
        }
        assertThat(ok("webhooks", "list").out()).contains(endpointId, "enabled",
                "credits.granted", "http://127.0.0.1:9/hook");
        Cli.Result deliveries = ok("webhooks", "deliveries", endpointId);
        assertThat(deliveries.out()).contains("failed", "could not deliver", "retry at");
        String delivery = deliveries.lines().stream().filter(l -> l.contains("failed"))
                .findFirst().orElseThrow().split("\\s+")[0];
        assertThat(ok("webhooks", "retry", delivery).out()).contains("attempt 3", "due now");
        Cli.Result events = ok("events", "--customer", "hooked");
        assertThat(events.lines()).hasSize(2);
        assertThat(events.lines().get(0)).contains("\"type\":\"credits.granted\"",
                "\"sequence\":2", "\"amount\":\"1.00\"");
        for (String[] args : new String[][] {{"webhooks", "deliveries", "whe_nope"},
                {"webhooks", "retry", "whd_nope"}, {"events", "--type", "credits.nope"},
                {"events", "--limit", "0"}, {"events", "--customer", "bad customer!"}}) {
            Cli.Result result = cli.run(args);
            assertThat(result.exitCode()).as(String.join(" ", args)).isEqualTo(2);
        }
    }

    @Test
    void verify_onConsistentLedger_isClean() {
        ok("grant", "a", "10.00");
        ok("spend", "a", "3.00");
        Cli.Result result = ok("verify");
        assertThat(result.out()).contains("transactions: clean");
    }

    @Test
    void verify_afterTampering_printsViolationsAndExitsOne() throws Exception {
        ok("grant", "tampered", "10.00");
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            st.execute("update wallets set balance = balance + 1 where customer_id = 'tampered'");
        }
        Cli.Result result = cli.run("verify");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).contains("violation: ", "violation(s)");
    }

    @Test
    void history_daily_mergesUsagePerFeature() {
        ok("grant", "daily", "10.00");
        for (int i = 0; i < 3; i++) {
            ok("spend", "daily", "1.00", "--feature", "chat");
        }
        Cli.Result result = ok("history", "daily", "--daily");
        assertThat(result.lines()).hasSize(3);
        assertThat(result.lines().get(1)).contains(" x3 ", "usage", "-3.00", "feature=chat");
    }

    @Test
    void migrate_printsSchemaVersion() {
        Cli.Result result = ok("migrate");
        assertThat(result.lines().get(0)).matches("schema version \\d+ \\(.*\\)");
    }

    @Test
    void export_csv_toStdout(@TempDir Path dir) {
        ok("grant", "exp", "10.00", "--reason", "welcome, \"friend\"");
        ok("spend", "exp", "2.50", "--feature", "chat");
        ok("grant", "other", "1.00");
        Cli.Result result = ok("export", "--customer", "exp");
        List<String> lines = result.lines();
        assertThat(lines.get(0)).isEqualTo("id,customer_id,credit_type,type,source,grant_id,"
                + "hold_id,amount,balance_after,feature,reason,metadata,created_at,effective_at");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains(",exp,credits,grant,purchase,grt_", ",10.00,10.00,",
                ",\"welcome, \"\"friend\"\"\",{},");
        assertThat(lines.get(2)).contains(",usage,", ",-2.50,7.50,chat,,{},");
        assertThat(result.err()).contains("exported 2 transactions to stdout");
    }

    @Test
    void export_jsonl_toFile(@TempDir Path dir) throws Exception {
        ok("grant", "exp", "10.00", "--reason", "line\nbreak");
        ok("spend", "exp", "2.50", "--feature", "chat");
        Path file = dir.resolve("out.jsonl");
        Cli.Result result = ok("export", "--format", "jsonl", "--output", file.toString());
        assertThat(result.out()).isEmpty();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"id\":\"txn_").contains(
                "\"customer_id\":\"exp\"", "\"type\":\"grant\"", "\"amount\":\"10.00\"",
                "\"reason\":\"line\\nbreak\"", "\"metadata\":{}");
        assertThat(lines.get(1)).contains("\"amount\":\"-2.50\"", "\"balance_after\":\"7.50\"",
                "\"feature\":\"chat\"");
        assertThat(Files.list(dir)).containsExactly(file);
    }

    @Test
    void portal_linkAndRotateKey() {
        String link = ok("portal", "link", "--customer", "user_42").out().trim();
        assertThat(link).matches("http://localhost:8080/portal/s/pts_[^.]+\\.psk_[^.]+\\.[^.]+");
        String rotated = ok("portal", "rotate-key").out();
        assertThat(rotated).startsWith("rotated: psk_");
        String after = ok("portal", "link", "--customer", "user_42", "--locale", "de").out();
        assertThat(after).contains(rotated.substring("rotated: ".length(),
                rotated.indexOf(' ', "rotated: ".length())));
        assertThat(cli.run("portal", "link", "--customer", "bad id").exitCode()).isEqualTo(2);
        assertThat(cli.run("portal", "link", "--customer", "a", "--locale", "fr").exitCode())
                .isEqualTo(2);
        assertThat(cli.run("portal", "link", "--customer", "a", "--url", "ftp://x").exitCode())
                .isEqualTo(2);
        assertThat(ok("portal", "link", "--customer", "a", "--url", "https://b.example/").out())
                .startsWith("https://b.example/portal/s/pts_");
    }

    @Test
    void serve_refusesDemoAndClockFlagsThatCannotWork() {
        Cli.Result start = cli.run("serve", "--port", "0", "--test-clock-start",
                "2026-01-01T00:00:00Z");
        assertThat(start.exitCode()).isEqualTo(2);
        assertThat(start.err()).contains("--test-clock-start needs --test-clock");
        Cli.Result url = cli.run("serve", "--port", "0", "--public-url", "javascript:x");
        assertThat(url.exitCode()).isEqualTo(2);
        assertThat(url.err()).contains("--public-url");
        // this CLI runs on the test's database (--database-url), never the demo's own
        Cli.Result demo = cli.run("serve", "--port", "0", "--demo");
        assertThat(demo.exitCode()).isEqualTo(2);
        assertThat(demo.err()).contains("--demo runs on its own embedded database");
        assertThat(cli.run("serve", "--port", "0", "--test-clock", "--test-clock-start",
                "yesterday").exitCode()).isEqualTo(2);
        Cli.Result logs = cli.run("serve", "--port", "0", "--log-format", "yaml");
        assertThat(logs.exitCode()).isEqualTo(2);
        assertThat(logs.err()).contains("the log format is text or json, was 'yaml'");
    }

    @Test
    void keys_createListRevoke() {
        Cli.Result created = ok("keys", "create", "--name", "billing");
        String secret = created.out().trim();
        assertThat(secret).startsWith("sk_").hasSizeGreaterThan(40);
        assertThat(created.err()).contains("cannot be shown again");

        Cli.Result listed = ok("keys", "list");
        assertThat(listed.out()).contains("billing", "write", "active").doesNotContain(secret);
        assertThat(ok("keys", "create", "--name", "dashboard", "--scope", "read").err())
                .contains("created read key");
        assertThat(ok("keys", "list").lines()).anySatisfy(l -> assertThat(l)
                .contains("dashboard", "read"));
        assertThat(cli.run("keys", "create", "--name", "root", "--scope", "root").exitCode())
                .isEqualTo(2);

        Cli.Result duplicate = cli.run("keys", "create", "--name", "billing");
        assertThat(duplicate.exitCode()).isEqualTo(2);

        ok("keys", "revoke", "billing");
        assertThat(ok("keys", "list").out()).contains("revoked");
        Cli.Result unknown = cli.run("keys", "revoke", "billing");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no active key");
    }

    @Test
    void config_definesCreditTypes(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("credits.yml");
        Files.writeString(config, "credit_types:\n  - id: credits\n    scale: 2\n"
                + "  - id: sms\n    scale: 0\n");
        ok("grant", "texter", "5", "--type", "sms", "--config", config.toString());
        Cli.Result balance = ok("balance", "texter", "--config", config.toString());
        assertThat(balance.lines()).hasSize(3);
        assertThat(balance.lines().get(2)).startsWith("sms").contains(" 5 ");

        Cli.Result decimals = cli.run("grant", "texter", "1.5", "--type", "sms", "--config",
                config.toString());
        assertThat(decimals.exitCode()).isEqualTo(2);
        assertThat(decimals.err()).startsWith("error: invalid_amount: ");
    }

    @Test
    void config_invalid_isRejectedNamingTheLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yml");
        Files.writeString(config, "credit_types:\n  - id: credits\n    scale: twelve\n");
        Cli.Result result = cli.run("balance", "x", "--config", config.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("bad.yml:3", "scale");

        Cli.Result missing = cli.run("balance", "x", "--config", dir.resolve("no.yml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }

    @Test
    void help_listsEveryCommand() {
        Cli.Result result = Cli.execute("--help");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("serve", "keys", "grant", "spend", "balance",
                "history", "void", "migrate", "verify", "export");
    }
}
