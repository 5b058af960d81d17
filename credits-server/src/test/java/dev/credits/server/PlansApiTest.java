package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.plans.Plans;
import dev.credits.plans.TestClock;
import dev.credits.postgres.PostgresLedger;
import dev.credits.server.TestServer.Response;
import dev.credits.server.config.AppConfig;
import dev.credits.server.config.ConfigFile;
import dev.credits.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Subscriptions, purchases and the test clock over HTTP, on a real server. */
class PlansApiTest {
    static final String CONFIG = """
            credit_types:
              - {id: credits, scale: 2}
              - {id: sms, scale: 0}
            plans:
              - id: basic
                interval: month
                provides_monthly: [{credit_type: credits, amount: "100.00"}]
              - id: pro
                name: Pro
                interval: month
                provides_monthly:
                  - {credit_type: credits, amount: "1000.00"}
                  - {credit_type: sms, amount: "50"}
                rollover: {max_amount: "500.00"}
            products:
              - id: pack_small
                name: 500 credits
                price: {amount: "9.00", currency: usd}
                provides: [{credit_type: credits, amount: "500.00", expires_after: P6M}]
            """;
    static final String TABLES_WRITTEN = "select (select count(*) from subscriptions)"
            + " + (select count(*) from subscription_periods) + (select count(*) from purchases)"
            + " + (select count(*) from grants) + (select count(*) from outbox)";

    PostgresLedger ledger;
    Credits credits;
    Plans plans;
    CreditsServer server;
    final HttpClient http = HttpClient.newHttpClient();

    void start(boolean testClock) {
        AppConfig app = ConfigFile.parse(CONFIG, "test.yml");
        Clock clock = Clock.systemUTC();
        TestClock simulated = TestClock.create();
        CreditsConfig config = TestDatabase.newConfig(testClock ? simulated : clock,
                app.creditTypes());
        ledger = PostgresLedger.open(config);
        credits = ledger.credits();
        if (testClock) {
            simulated.attach(ledger.dataSource(), TestClock.Mode.SIMULATED);
        }
        plans = Plans.open(credits, ledger.dataSource(), app.catalog());
        server = CreditsServer.start(ledger, new ApiKeys(ledger.dataSource(), TestServer.KEY),
                0, plans);
    }

    @AfterEach
    void stop() {
        server.stop();
        plans.close();
        ledger.close();
    }

    Response send(String method, String path, String body) {
        return send(method, path, body, java.util.Map.of());
    }

    Response send(String method, String path, String body, java.util.Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + path))
                .header("Authorization", "Bearer " + TestServer.KEY)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(builder::header);
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of each row the query returns. */
    List<String> rowsOf(String sql) {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = ledger.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    long rowsWritten() {
        DataSource dataSource = ledger.dataSource();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(TABLES_WRITTEN)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    String balance(String customer, String type) {
        return send("GET", "/v1/customers/" + customer + "/wallets/" + type, null).json()
                .get("balance").asText();
    }

    @Test
    void aPlanEndToEnd_createChangeRenewCancel() {
        start(false);
        Response created = send("POST", "/v1/customers/c1/subscriptions", "{\"plan\":\"basic\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        JsonNode s = created.json();
        assertThat(s.get("id").asText()).startsWith("sub_");
        assertThat(s.get("status").asText()).isEqualTo("active");
        assertThat(s.get("cancel_at").isNull()).isTrue();
        String id = s.get("id").asText();
        assertThat(balance("c1", "credits")).isEqualTo("100.00");
        assertThat(rowsOf("select payload->>'subscription_id' || ' ' || (payload->>'plan')"
                + " from outbox where event_type = 'SubscriptionCreated'"))
                .containsExactly(id + " basic");
        assertThat(send("GET", "/v1/subscriptions/" + id, null).json().get("plan").asText())
                .isEqualTo("basic");
        assertThat(send("GET", "/v1/customers/c1/subscriptions", null).json().get("data"))
                .hasSize(1);
        String start = s.get("allowance_period_start").asText();
        Response replay = send("POST", "/v1/subscriptions/" + id + "/renew",
                "{\"period_start\":\"" + start + "\"}");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(balance("c1", "credits")).isEqualTo("100.00");
        Response changed = send("POST", "/v1/subscriptions/" + id + "/change",
                "{\"plan\":\"pro\",\"prorate\":false}");
        assertThat(changed.json().get("pending_plan").asText()).isEqualTo("pro");
        Response canceled = send("POST", "/v1/subscriptions/" + id + "/cancel", "{\"at\":\"now\"}");
        assertThat(canceled.json().get("status").asText()).isEqualTo("canceled");
        assertThat(balance("c1", "credits")).isEqualTo("0.00");
        assertThat(send("GET", "/v1/subscriptions/sub_nope", null).code()).isEqualTo("not_found");
    }

    @Test
    void aPackEndToEnd_andARetryWithTheSamePaymentReference() {
        start(false);
        String body = "{\"product\":\"pack_small\",\"quantity\":2,\"payment_reference\":\"pi_1\"}";
        Response first = send("POST", "/v1/customers/c1/purchases", body);
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        JsonNode grant = first.json().get("grants").get(0);
        assertThat(grant.get("amount").asText()).isEqualTo("1000.00");
        assertThat(grant.get("source").asText()).isEqualTo("purchase");
        assertThat(grant.get("expires_at").isNull()).isFalse();
        Response retry = send("POST", "/v1/customers/c1/purchases", body);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.json().get("id")).isEqualTo(first.json().get("id"));
        assertThat(retry.json().get("grants").get(0).get("id")).isEqualTo(grant.get("id"));
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(balance("c1", "credits")).isEqualTo("1000.00");
        Response other = send("POST", "/v1/customers/c1/purchases",
                "{\"product\":\"pack_small\",\"quantity\":3,\"payment_reference\":\"pi_1\"}");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("idempotency_conflict");
        assertThat(balance("c1", "credits")).isEqualTo("1000.00");
    }

    @Test
    void badInput_isRejectedWithAProblemAndWritesNothing() {
        start(false);
        String id = send("POST", "/v1/customers/c1/subscriptions", "{\"plan\":\"basic\"}").json()
                .get("id").asText();
        String gone = send("POST", "/v1/customers/c2/subscriptions", "{\"plan\":\"basic\"}")
                .json().get("id").asText();
        send("POST", "/v1/subscriptions/" + gone + "/cancel", "{\"at\":\"now\"}");
        long before = rowsWritten();
        List<String[]> bad = List.of(
                new String[] {"/v1/customers/c1/subscriptions", "{\"plan\":\"gold\"}", "422"},
                new String[] {"/v1/customers/c1/subscriptions", "{}", "422"},
                new String[] {"/v1/customers/c1/subscriptions",
                        "{\"plan\":\"basic\",\"started_at\":\"2999-01-01T00:00:00Z\"}", "422"},
                new String[] {"/v1/customers/c1/purchases", "{\"product\":\"pack_big\","
                        + "\"quantity\":1,\"payment_reference\":\"p1\"}", "422"},
                new String[] {"/v1/customers/c1/purchases", "{\"product\":\"pack_small\","
                        + "\"quantity\":0,\"payment_reference\":\"p1\"}", "422"},
                new String[] {"/v1/customers/c1/purchases", "{\"product\":\"pack_small\","
                        + "\"quantity\":1001,\"payment_reference\":\"p1\"}", "422"},
                new String[] {"/v1/subscriptions/" + id + "/renew",
                        "{\"period_start\":\"2020-01-01T00:00:00Z\"}", "422"},
                new String[] {"/v1/subscriptions/" + id + "/change", "{\"plan\":\"basic\"}", "409"},
                new String[] {"/v1/subscriptions/" + id + "/change",
                        "{\"plan\":\"pro\",\"prorate\":\"yes\"}", "400"},
                new String[] {"/v1/subscriptions/" + id + "/cancel", "{\"at\":\"later\"}", "422"},
                new String[] {"/v1/subscriptions/" + gone + "/change", "{\"plan\":\"pro\"}", "409"},
                new String[] {"/v1/subscriptions/" + gone + "/cancel", "{\"at\":\"now\"}", "409"},
                new String[] {"/v1/subscriptions/" + gone + "/renew", "{\"period_start\":\""
                        + send("GET", "/v1/subscriptions/" + gone, null).json()
                        .get("started_at").asText() + "\"}", "409"});
        for (String[] request : bad) {
            Response r = send("POST", request[0], request[1]);
            assertThat(r.status()).as(request[0] + " " + request[1] + " -> " + r)
                    .isEqualTo(Integer.parseInt(request[2]));
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(rowsWritten()).isEqualTo(before);
    }

    @Test
    void everyPlansPost_honoursItsIdempotencyKey() {
        start(false);
        java.util.Map<String, String> k1 = java.util.Map.of("Idempotency-Key", "buy-1");
        String pack = "{\"product\":\"pack_small\",\"quantity\":1,\"payment_reference\":";
        Response bought = send("POST", "/v1/customers/c1/purchases", pack + "\"pi_1\"}", k1);
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        Response again = send("POST", "/v1/customers/c1/purchases", pack + "\"pi_1\"}", k1);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(bought.body());
        long rows = rowsWritten();
        Response other = send("POST", "/v1/customers/c1/purchases", pack + "\"pi_2\"}", k1);
        assertThat(other.status()).as(other.toString()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("idempotency_conflict");
        assertThat(rowsWritten()).isEqualTo(rows);
        assertThat(balance("c1", "credits")).isEqualTo("500.00");

        String id = send("POST", "/v1/customers/c2/subscriptions", "{\"plan\":\"pro\"}").json()
                .get("id").asText();
        java.util.Map<String, String> k2 = java.util.Map.of("Idempotency-Key", "change-1");
        Response changed = send("POST", "/v1/subscriptions/" + id + "/change",
                "{\"plan\":\"basic\"}", k2);
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        String credits = balance("c2", "credits");
        Response replayed = send("POST", "/v1/subscriptions/" + id + "/change",
                "{\"plan\":\"basic\"}", k2);
        assertThat(replayed.status()).as(replayed.toString()).isEqualTo(200);
        assertThat(replayed.body()).isEqualTo(changed.body());
        assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(balance("c2", "credits")).isEqualTo(credits);
        Response conflict = send("POST", "/v1/subscriptions/" + id + "/change",
                "{\"plan\":\"pro\"}", k2);
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.code()).isEqualTo("idempotency_conflict");

        java.util.Map<String, String> k3 = java.util.Map.of("Idempotency-Key", "cancel-1");
        Response canceled = send("POST", "/v1/subscriptions/" + id + "/cancel",
                "{\"at\":\"now\"}", k3);
        assertThat(canceled.status()).as(canceled.toString()).isEqualTo(200);
        Response cancelReplayed = send("POST", "/v1/subscriptions/" + id + "/cancel",
                "{\"at\":\"now\"}", k3);
        assertThat(cancelReplayed.status()).as(cancelReplayed.toString()).isEqualTo(200);
        assertThat(cancelReplayed.body()).isEqualTo(canceled.body());
        assertThat(balance("c2", "credits")).isEqualTo("0.00");
    }

    @Test
    void aTestClockAdvanceWithAKey_movesOnce() throws Exception {
        start(true);
        String before = send("GET", "/v1/test-clock", null).json().get("now").asText();
        java.util.Map<String, String> key = java.util.Map.of("Idempotency-Key", "tick-1");
        Response first = send("POST", "/v1/test-clock/advance", "{\"seconds\":3600}", key);
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        Response again = send("POST", "/v1/test-clock/advance", "{\"seconds\":3600}", key);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        String now = send("GET", "/v1/test-clock", null).json().get("now").asText();
        assertThat(Instant.parse(now)).isEqualTo(Instant.parse(before).plusSeconds(3600));
        // The same advance many times at once: still one hour, every answer the first one.
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.List<java.util.concurrent.Future<Response>> racing = new java.util.ArrayList<>();
        java.util.Map<String, String> raceKey = java.util.Map.of("Idempotency-Key", "tick-2");
        for (int i = 0; i < 8; i++) {
            racing.add(pool.submit(() -> send("POST", "/v1/test-clock/advance",
                    "{\"seconds\":3600}", raceKey)));
        }
        java.util.Set<String> bodies = new java.util.HashSet<>();
        for (java.util.concurrent.Future<Response> answer : racing) {
            Response r = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            if (r.status() == 503) {
                r = send("POST", "/v1/test-clock/advance", "{\"seconds\":3600}", raceKey);
            }
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            bodies.add(r.body());
        }
        pool.shutdown();
        assertThat(bodies).hasSize(1);
        assertThat(Instant.parse(send("GET", "/v1/test-clock", null).json().get("now").asText()))
                .isEqualTo(Instant.parse(before).plusSeconds(7200));
        Response other = send("POST", "/v1/test-clock/advance", "{\"seconds\":60}", key);
        assertThat(other.status()).isEqualTo(409);
        Response far = send("POST", "/v1/test-clock/advance",
                "{\"to\":\"+294277-01-01T00:00:00Z\"}");
        assertThat(far.status()).as(far.toString()).isEqualTo(422);
        Response farStart = send("POST", "/v1/customers/c1/subscriptions",
                "{\"plan\":\"basic\",\"started_at\":\"-4714-01-01T00:00:00Z\"}");
        assertThat(farStart.status()).as(farStart.toString()).isEqualTo(422);
    }

    @Test
    void testClockRoutes_areNotFoundWithoutTheFlag() {
        start(false);
        assertThat(send("GET", "/v1/test-clock", null).status()).isEqualTo(404);
        assertThat(send("POST", "/v1/test-clock/advance", "{\"seconds\":60}").status())
                .isEqualTo(404);
    }

    @Test
    void testClock_aYearOfRenewalsInAFewCalls_withExpiriesInTimeOrder() {
        start(true);
        String now = send("GET", "/v1/test-clock", null).json().get("now").asText();
        String id = send("POST", "/v1/customers/c1/subscriptions", "{\"plan\":\"pro\"}").json()
                .get("id").asText();
        send("POST", "/v1/customers/c1/spend", "{\"credit_type\":\"credits\",\"amount\":\"900\"}");
        Response hold = send("POST", "/v1/customers/c1/holds",
                "{\"credit_type\":\"credits\",\"amount\":\"10\",\"expires_in_seconds\":60}");
        String inTenDays = Instant.parse(now).plusSeconds(864_000).toString();
        assertThat(send("POST", "/v1/customers/c2/grants", "{\"credit_type\":\"credits\","
                + "\"amount\":\"5\",\"source\":\"promotion\",\"effective_at\":\""
                + inTenDays + "\"}").json().get("status").asText()).isEqualTo("scheduled");
        assertThat(send("POST", "/v1/test-clock/advance", "{\"seconds\":34560001}").status())
                .isEqualTo(422);
        assertThat(send("POST", "/v1/test-clock/advance",
                "{\"to\":\"2000-01-01T00:00:00Z\"}").status()).isEqualTo(422);
        Response advanced = send("POST", "/v1/test-clock/advance", "{\"seconds\":15552000}");
        assertThat(advanced.status()).as(advanced.toString()).isEqualTo(200);
        // to the first anniversary: a year of 365 or 366 days, whichever this one is
        String aYearOn = Instant.parse(now).atZone(ZoneOffset.UTC).plusYears(1).toInstant()
                .toString();
        assertThat(send("POST", "/v1/test-clock/advance", "{\"to\":\"" + aYearOn + "\"}")
                .status()).isEqualTo(200);
        assertThat(send("GET", "/v1/holds/" + hold.json().get("id").asText(), null).json()
                .get("status").asText()).isEqualTo("expired");
        JsonNode s = send("GET", "/v1/subscriptions/" + id, null).json();
        assertThat(s.get("started_at").asText()).isEqualTo(now);
        // 12 renewals; each new period rolls over the unused 1000.00 capped at 500.00
        assertThat(balance("c1", "credits")).isEqualTo("1500.00");
        // sms: 50 a month, the unused rolls over under a cap of 500 sms
        assertThat(balance("c1", "sms")).isEqualTo("550");
        assertThat(countOutbox("SubscriptionRenewed")).isEqualTo(12);
        // every expiry was recorded at the simulated instant it fell due, not at the end
        JsonNode expiries = send("GET", "/v1/customers/c1/transactions?type=expiry&limit=500",
                null).json().get("data");
        assertThat(expiries).hasSize(46).allSatisfy(t -> assertThat(t.get("created_at"))
                .isEqualTo(t.get("effective_at")));
        // and the scheduled grant came in at its instant
        JsonNode scheduled = send("GET", "/v1/customers/c2/transactions", null).json()
                .get("data");
        assertThat(scheduled).hasSize(1);
        assertThat(scheduled.get(0).get("created_at").asText()).isEqualTo(inTenDays);
        assertThat(scheduled.get(0).get("effective_at").asText()).isEqualTo(inTenDays);
    }

    long countOutbox(String type) {
        try (Connection c = ledger.dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from outbox where event_type = '"
                     + type + "'")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
