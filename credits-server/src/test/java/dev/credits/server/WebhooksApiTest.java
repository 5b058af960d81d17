package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditTypes;
import dev.credits.server.TestServer.Response;
import dev.credits.webhooks.Receiver;
import dev.credits.webhooks.WebhooksConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The webhook and event-feed routes over HTTP, against a real receiver. */
class WebhooksApiTest {
    static TestServer t;
    static Receiver receiver;

    @BeforeAll
    static void start() throws Exception {
        t = TestServer.start(CreditTypes.defaults(), Clock.systemUTC(),
                WebhooksConfig.defaults().withAllowPrivateNetworks(true).withPollIntervalMs(50));
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        t.close();
    }

    static Response post(String path, String body) {
        return t.post(path, body);
    }

    static Response send(String method, String path, String body) {
        return t.send(method, path, body, Map.of(), TestServer.KEY);
    }

    @Test
    void anEndpointReceivesSignedEvents_andEveryRouteOfItWorks() throws Exception {
        Response made = post("/v1/webhook-endpoints", "{\"url\": \"" + receiver.url()
                + "\", \"events\": [\"credits.granted\"], \"description\": \"billing\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        JsonNode endpoint = made.json();
        String id = endpoint.get("id").asText();
        String secret = endpoint.get("secret").asText();
        assertThat(id).startsWith("whe_");
        assertThat(secret).startsWith("whsec_");
        assertThat(endpoint.get("status").asText()).isEqualTo("enabled");
        receiver.secrets(secret);
        Response list = t.get("/v1/webhook-endpoints");
        assertThat(list.body()).contains(id).doesNotContain(secret);
        assertThat(t.get("/v1/webhook-endpoints/" + id).body()).doesNotContain("whsec_");

        assertThat(post("/v1/customers/hook_1/grants", "{\"credit_type\": \"credits\","
                + " \"amount\": \"5.00\", \"source\": \"purchase\"}").status()).isEqualTo(201);
        long deadline = System.currentTimeMillis() + 10_000;
        while (receiver.received().isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Receiver.Received got = receiver.received().get(0);
        assertThat(got.verified()).isTrue();
        assertThat(got.body().get("type").asText()).isEqualTo("credits.granted");
        assertThat(got.body().get("data").get("sequence").asLong()).isEqualTo(1);
        String eventId = got.id();

        Response feed = t.get("/v1/events?customer_id=hook_1&type=credits.granted");
        assertThat(feed.status()).isEqualTo(200);
        assertThat(feed.json().get("data").get(0).toString()).isEqualTo(got.body().toString());
        assertThat(feed.json().get("next_cursor").isNull()).isTrue();
        assertThat(t.get("/v1/events/" + eventId).json().toString())
                .isEqualTo(got.body().toString());

        // The outcome is recorded in the round after the answer: wait for it.
        JsonNode first = t.get("/v1/webhook-endpoints/" + id + "/deliveries").json().get("data")
                .get(0);
        deadline = System.currentTimeMillis() + 10_000;
        while (!first.get("status").asText().equals("succeeded")
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            first = t.get("/v1/webhook-endpoints/" + id + "/deliveries").json().get("data")
                    .get(0);
        }
        assertThat(first.get("status").asText()).isEqualTo("succeeded");
        assertThat(first.get("response_status").asInt()).isEqualTo(200);
        assertThat(first.get("event_id").asText()).isEqualTo(eventId);
        Response retried = post("/v1/webhook-deliveries/" + first.get("id").asText()
                + "/retry", null);
        assertThat(retried.status()).isEqualTo(201);
        assertThat(retried.json().get("attempt").asInt()).isEqualTo(2);
        deadline = System.currentTimeMillis() + 10_000;
        while (receiver.received().size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(receiver.received()).hasSize(2);
        assertThat(receiver.received().get(1).id()).isEqualTo(eventId); // the same event id

        Response rotated = post("/v1/webhook-endpoints/" + id + "/rotate-secret", null);
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.json().get("secret").asText()).startsWith("whsec_")
                .isNotEqualTo(secret);
        Response patched = send("PATCH", "/v1/webhook-endpoints/" + id,
                "{\"status\": \"disabled\", \"events\": [\"*\"], \"description\": null}");
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(patched.json().get("status").asText()).isEqualTo("disabled");
        assertThat(patched.json().get("events").get(0).asText()).isEqualTo("*");
        assertThat(patched.json().get("description").isNull()).isTrue();
        Response deleted = send("DELETE", "/v1/webhook-endpoints/" + id, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
        assertThat(t.get("/v1/webhook-endpoints/" + id).status()).isEqualTo(404);
    }

    @Test
    void badRequests_areAnsweredWithTheirCode_andWriteNothing() {
        Response made = t.send("POST", "/v1/webhook-endpoints", "{\"url\": \"" + receiver.url()
                + "\", \"events\": [\"*\"]}", Map.of("Idempotency-Key", "hook-key-1"),
                TestServer.KEY);
        assertThat(made.status()).isEqualTo(201);
        String id = made.json().get("id").asText();
        String url = receiver.url();
        List<String[]> cases = List.of(
                new String[] {"POST", "/v1/webhook-endpoints", null, "400", "malformed_request"},
                new String[] {"POST", "/v1/webhook-endpoints", "[]", "400", "malformed_request"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"events\": [\"*\"]}", "422",
                        "validation_failed"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": 7, \"events\":"
                        + " [\"*\"]}", "400", "malformed_request"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url + "\"}",
                        "422", "validation_failed"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": \"*\"}", "400", "malformed_request"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": [1]}", "400", "malformed_request"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": []}", "422", "validation_failed"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": [\"credits.nope\"]}", "422", "validation_failed"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"ftp://x.example\","
                        + " \"events\": [\"*\"]}", "422", "validation_failed"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": [\"*\"], \"secret\": \"whsec_mine\"}", "422",
                        "validation_failed"},
                new String[] {"POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": [\"*\"], \"description\": \""
                        + "d".repeat(1_001) + "\"}", "422", "validation_failed"},
                new String[] {"PATCH", "/v1/webhook-endpoints/" + id, "{\"status\":"
                        + " \"paused\"}", "422", "validation_failed"},
                new String[] {"PATCH", "/v1/webhook-endpoints/" + id, "{\"url\": null}", "422",
                        "validation_failed"},
                new String[] {"PATCH", "/v1/webhook-endpoints/" + id, "{\"events\": null}",
                        "422", "validation_failed"},
                new String[] {"PATCH", "/v1/webhook-endpoints/" + id, "{\"url\":"
                        + " \"gopher://x\"}", "422", "validation_failed"},
                new String[] {"PATCH", "/v1/webhook-endpoints/whe_nope", "{\"status\":"
                        + " \"enabled\"}", "404", "not_found"},
                new String[] {"GET", "/v1/webhook-endpoints/whe_nope", null, "404", "not_found"},
                new String[] {"DELETE", "/v1/webhook-endpoints/whe_nope", null, "404",
                        "not_found"},
                new String[] {"POST", "/v1/webhook-endpoints/whe_nope/rotate-secret", null,
                        "404", "not_found"},
                new String[] {"POST", "/v1/webhook-endpoints/" + id + "/rotate-secret",
                        "{\"x\": 1}", "422", "validation_failed"},
                new String[] {"GET", "/v1/webhook-endpoints/" + id + "/deliveries?limit=0", null,
                        "422", "validation_failed"},
                new String[] {"GET", "/v1/webhook-endpoints/" + id + "/deliveries?limit=x", null,
                        "422", "validation_failed"},
                new String[] {"GET", "/v1/webhook-endpoints/" + id + "/deliveries?cursor=%25",
                        null, "422", "validation_failed"},
                new String[] {"GET", "/v1/webhook-endpoints/whe_nope/deliveries", null, "404",
                        "not_found"},
                new String[] {"POST", "/v1/webhook-deliveries/whd_nope/retry", null, "404",
                        "not_found"},
                new String[] {"GET", "/v1/events?type=credits.nope", null, "422",
                        "validation_failed"},
                new String[] {"GET", "/v1/events?limit=501", null, "422", "validation_failed"},
                new String[] {"GET", "/v1/events?customer_id=a%20b", null, "422",
                        "validation_failed"},
                new String[] {"GET", "/v1/events?cursor=ZDox", null, "422",
                        "validation_failed"},
                new String[] {"GET", "/v1/events/evt_nope", null, "404", "not_found"},
                new String[] {"GET", "/v1/events/evt_0000000000000000", null, "404",
                        "not_found"});
        String before = snapshot();
        for (String[] c : cases) {
            Response r = send(c[0], c[1], c[2]);
            assertThat(r.status()).as(c[0] + " " + c[1] + " " + c[2] + ": " + r.body())
                    .isEqualTo(Integer.parseInt(c[3]));
            assertThat(r.code()).as(c[1]).isEqualTo(c[4]);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        Response conflict = t.send("POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                + "\", \"events\": [\"credits.spent\"]}", Map.of("Idempotency-Key",
                "hook-key-1"), TestServer.KEY);
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.code()).isEqualTo("idempotency_conflict");
        Response replay = t.send("POST", "/v1/webhook-endpoints", "{\"url\": \"" + url
                + "\", \"events\": [\"*\"]}", Map.of("Idempotency-Key", "hook-key-1"),
                TestServer.KEY);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.json().get("id").asText()).isEqualTo(id);
        assertThat(snapshot()).isEqualTo(before);
        send("DELETE", "/v1/webhook-endpoints/" + id, null);
    }

    @Test
    void aWalletsAlertThresholds_areSetOverHttp_andEachCrossingIsOneEvent() {
        Response set = send("PATCH", "/v1/customers/alerted/wallets/credits",
                "{\"alert_thresholds\": [\"10.00\", 50]}");
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(set.json().get("alert_thresholds").toString())
                .isEqualTo("[\"50.00\",\"10.00\"]");
        assertThat(t.get("/v1/customers/alerted/wallets/credits").json()
                .get("alert_thresholds").toString()).isEqualTo("[\"50.00\",\"10.00\"]");
        post("/v1/customers/alerted/grants", "{\"credit_type\": \"credits\", \"amount\":"
                + " \"60.00\", \"source\": \"purchase\"}");
        post("/v1/customers/alerted/spend", "{\"credit_type\": \"credits\", \"amount\":"
                + " \"15.00\"}");
        post("/v1/customers/alerted/spend", "{\"credit_type\": \"credits\", \"amount\":"
                + " \"1.00\"}");
        JsonNode lows = t.get("/v1/events?customer_id=alerted&type=balance.low").json()
                .get("data");
        assertThat(lows).hasSize(1);
        assertThat(lows.get(0).get("data").get("threshold").asText()).isEqualTo("50.00");
        assertThat(lows.get(0).get("data").get("available").asText()).isEqualTo("45.00");
        for (String[] bad : new String[][] {
                {"{\"alert_thresholds\": \"10.00\"}", "400"},
                {"{\"alert_thresholds\": [\"-1.00\"]}", "422"},
                {"{\"alert_thresholds\": [\"1.001\"]}", "422"},
                {"{\"alert_thresholds\": [true]}", "400"},
                {"{\"alert_thresholds\": [1,2,3,4,5,6,7,8,9,10,11]}", "422"},
                {"{}", "422"}}) {
            Response r = send("PATCH", "/v1/customers/alerted/wallets/credits", bad[0]);
            assertThat(r.status()).as(bad[0] + " " + r.body()).isEqualTo(Integer.parseInt(bad[1]));
        }
        Response reset = send("PATCH", "/v1/customers/alerted/wallets/credits",
                "{\"alert_thresholds\": null, \"overdraft_limit\": \"5.00\"}");
        assertThat(reset.json().get("alert_thresholds")).isEmpty();
        assertThat(reset.json().get("overdraft_limit").asText()).isEqualTo("5.00");
    }

    @Test
    void anAutoTopUp_isRequestedWhenLow_andCompletedOverHttpOnce() throws Exception {
        String rule = "/v1/customers/topped/wallets/credits/auto-topup";
        assertThat(send("GET", rule, null).status()).isEqualTo(404);
        Response put = send("PUT", rule, "{\"threshold\": \"10.00\", \"amount\": 25,"
                + " \"max_per_day\": 2}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("amount").asText()).isEqualTo("25.00");
        assertThat(put.json().get("enabled").asBoolean()).isTrue();
        assertThat(send("GET", rule, null).json().get("max_per_day").asInt()).isEqualTo(2);
        post("/v1/customers/topped/grants", "{\"credit_type\": \"credits\", \"amount\":"
                + " \"12.00\", \"source\": \"purchase\"}");
        post("/v1/customers/topped/spend", "{\"credit_type\": \"credits\", \"amount\":"
                + " \"5.00\"}");
        JsonNode asked = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            JsonNode data = t.get("/v1/events?customer_id=topped&type=topup.requested").json()
                    .get("data");
            if (data.size() > 0) {
                asked = data.get(0);
                break;
            }
            Thread.sleep(50);
        }
        assertThat(asked).isNotNull();
        String id = asked.get("data").get("topup_id").asText();
        assertThat(asked.get("data").get("amount").asText()).isEqualTo("25.00");
        assertThat(t.get("/v1/topups/" + id).json().get("status").asText())
                .isEqualTo("requested");
        Response done = post("/v1/topups/" + id + "/complete",
                "{\"payment_reference\": \"pi_42\"}");
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        assertThat(done.json().get("status").asText()).isEqualTo("succeeded");
        assertThat(post("/v1/topups/" + id + "/complete", "{\"payment_reference\": \"pi_42\"}")
                .json().get("grant_id").asText()).isEqualTo(done.json().get("grant_id").asText());
        assertThat(t.get("/v1/customers/topped/wallets/credits").json().get("balance").asText())
                .isEqualTo("32.00");
        for (String[] bad : new String[][] {
                {"PUT", rule, "{\"threshold\": \"10.00\"}", "422"},
                {"PUT", rule, "{\"threshold\": \"10.00\", \"amount\": 5, \"target\": 50}",
                        "422"},
                {"PUT", rule, "{\"threshold\": \"10.00\", \"amount\": 5,"
                        + " \"max_per_day\": 25}", "422"},
                {"PUT", rule, "{\"threshold\": \"10.00\", \"amount\": 5,"
                        + " \"enabled\": \"yes\"}", "400"},
                {"PUT", rule, "{\"threshold\": \"-1\", \"amount\": 5}", "422"},
                {"PUT", rule, "{\"threshold\": 1, \"amount\": 5, \"color\": 1}", "422"},
                {"PUT", "/v1/customers/topped/wallets/gold/auto-topup",
                        "{\"threshold\": 1, \"amount\": 5}", "422"},
                {"POST", "/v1/topups/" + id + "/complete", "{}", "422"},
                {"POST", "/v1/topups/" + id + "/complete", "{\"payment_reference\": \"pi_9\"}",
                        "409"},
                {"POST", "/v1/topups/" + id + "/fail", null, "409"},
                {"POST", "/v1/topups/tpu_nope/complete", "{\"payment_reference\": \"p\"}",
                        "404"},
                {"GET", "/v1/topups/tpu_nope", null, "404"}}) {
            Response r = send(bad[0], bad[1], bad[2]);
            assertThat(r.status()).as(bad[0] + " " + bad[1] + " " + bad[2] + ": " + r.body())
                    .isEqualTo(Integer.parseInt(bad[3]));
        }
        assertThat(send("DELETE", rule, null).status()).isEqualTo(200);
        assertThat(send("GET", rule, null).status()).isEqualTo(404);
    }

    @Test
    void aPrivateAddress_isRefusedByAServerThatDoesNotAllowThem() {
        try (TestServer strict = TestServer.start()) {
            for (String url : List.of("http://127.0.0.1:9/h", "http://localhost/h",
                    "http://169.254.169.254/latest", "http://10.0.0.8/h", "http://[::1]/h")) {
                Response r = strict.post("/v1/webhook-endpoints", "{\"url\": \"" + url
                        + "\", \"events\": [\"*\"]}");
                assertThat(r.status()).as(url).isEqualTo(422);
                assertThat(r.code()).isEqualTo("validation_failed");
                assertThat(r.body()).contains("url");
            }
            assertThat(strict.get("/v1/webhook-endpoints").json().get("data")).isEmpty();
        }
    }

    @Test
    void everyRoute_withoutAKeyOrWithAWrongOne_is401_andWritesNothing() {
        String before = snapshot();
        for (String route : t.server.routes()) {
            String[] parts = route.split(" ", 2);
            if (!parts[1].startsWith("/v1/") || parts[1].equals(Guards.STRIPE_WEBHOOK)) {
                continue; // Stripe's webhook needs no key: its signature (PaymentsApiTest)
            }
            String path = parts[1].replace("{customer}", "auth_probe")
                    .replace("{credit_type}", "credits").replaceAll("\\{[a-z_]+\\}", "x_1");
            String body = parts[0].equals("GET") || parts[0].equals("DELETE") ? null
                    : "{\"credit_type\": \"credits\", \"amount\": \"1.00\"}";
            for (String key : new String[] {null, "sk_wrong_" + TestServer.KEY}) {
                Response r = t.send(parts[0], path, body, Map.of(), key);
                assertThat(r.status()).as(route + " with " + key).isEqualTo(401);
                assertThat(r.code()).isEqualTo("unauthorized");
            }
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Everything a rejected request must not change. */
    static String snapshot() {
        StringBuilder out = new StringBuilder();
        try (Connection c = t.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (String sql : new String[] {
                    "select count(*), max(updated_at)::text from webhook_endpoints",
                    "select count(*) from webhook_deliveries",
                    "select count(*) from outbox", "select count(*) from wallets",
                    "select count(*) from transactions"}) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    out.append(rs.getString(1)).append(rs.getMetaData().getColumnCount() > 1
                            ? rs.getString(2) : "").append(' ');
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
