package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.server.TestServer.Response;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every route of API.md answering as written there. */
class ApiTest {
    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void creditTypes_listTheDefaultType() {
        Response r = t.get("/v1/credit-types");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().toString()).isEqualTo("{\"data\":[{\"id\":\"credits\",\"name\":"
                + "\"Credits\",\"icon\":null,\"scale\":2,\"overdraft_limit\":\"0.00\","
                + "\"low_balance_threshold\":null,\"alert_thresholds\":[]}]}");
    }

    @Test
    void unknownCustomer_hasZeroWallets() {
        JsonNode wallets = t.get("/v1/customers/team:7/wallets").json().get("data");
        assertThat(wallets).hasSize(1);
        assertThat(wallets.get(0).get("balance").asText()).isEqualTo("0.00");
        assertThat(wallets.get(0).get("customer_id").asText()).isEqualTo("team:7");
    }

    @Test
    void grantSpendAndHistory_renderAmountsWithTheScale() {
        JsonNode grant = t.post("/v1/customers/api_1/grants", "{\"credit_type\":\"credits\","
                + "\"amount\":100,\"source\":\"promotion\",\"priority\":10,\"reason\":\"welcome\","
                + "\"metadata\":{\"campaign\":\"c1\",\"n\":1.50}}").json();
        assertThat(grant.get("id").asText()).startsWith("grt_");
        assertThat(grant.get("transaction_id").asText()).startsWith("txn_");
        assertThat(grant.get("amount").asText()).isEqualTo("100.00");
        assertThat(grant.get("balance").asText()).isEqualTo("100.00");
        assertThat(grant.get("status").asText()).isEqualTo("active");
        assertThat(grant.get("metadata").get("n").decimalValue()).isEqualByComparingTo("1.50");
        Response spend = t.post("/v1/customers/api_1/spend", "{\"credit_type\":\"credits\","
                + "\"amount\":10.5,\"feature\":\"chat\"}");
        assertThat(spend.status()).isEqualTo(201);
        assertThat(spend.json().get("amount").asText()).isEqualTo("10.50");
        assertThat(spend.json().get("balance").asText()).isEqualTo("89.50");
        assertThat(spend.json().get("allocations").get(0).get("grant_id").asText())
                .isEqualTo(grant.get("id").asText());
        JsonNode history = t.get("/v1/customers/api_1/transactions").json();
        assertThat(history.get("data")).hasSize(2);
        assertThat(history.get("data").get(0).get("type").asText()).isEqualTo("usage");
        assertThat(history.get("data").get(0).get("amount").asText()).isEqualTo("-10.50");
        assertThat(history.get("data").get(0).get("balance_after").asText()).isEqualTo("89.50");
        assertThat(history.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void holds_captureAndRelease() {
        t.grant("api_2", "50.00");
        JsonNode hold = t.post("/v1/customers/api_2/holds", "{\"credit_type\":\"credits\","
                + "\"amount\":\"5.00\",\"expires_in_seconds\":60,\"feature\":\"job\"}").json();
        assertThat(hold.get("id").asText()).startsWith("hld_");
        assertThat(hold.get("status").asText()).isEqualTo("held");
        JsonNode wallet = t.get("/v1/customers/api_2/wallets/credits").json();
        assertThat(wallet.get("held").asText()).isEqualTo("5.00");
        assertThat(wallet.get("available").asText()).isEqualTo("45.00");
        assertThat(t.get("/v1/holds/" + hold.get("id").asText()).json().get("amount").asText())
                .isEqualTo("5.00");
        Response captured = t.post("/v1/holds/" + hold.get("id").asText() + "/capture",
                "{\"amount\":\"3.20\"}");
        assertThat(captured.status()).isEqualTo(200);
        assertThat(captured.json().get("status").asText()).isEqualTo("captured");
        assertThat(captured.json().get("captured").asText()).isEqualTo("3.20");
        assertThat(t.balance("api_2")).isEqualTo("46.80");
        String second = t.post("/v1/customers/api_2/holds", "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\"}").json().get("id").asText();
        Response released = t.post("/v1/holds/" + second + "/release", null);
        assertThat(released.status()).isEqualTo(200);
        assertThat(released.json().get("status").asText()).isEqualTo("released");
        assertThat(t.get("/v1/customers/api_2/wallets/credits").json().get("available").asText())
                .isEqualTo("46.80");
    }

    @Test
    void voidGrant_dropsTheBalance() {
        String id = t.grant("api_3", "7.00").get("id").asText();
        Response voided = t.post("/v1/grants/" + id + "/void", "{\"reason\":\"chargeback\"}");
        assertThat(voided.status()).isEqualTo(200);
        assertThat(voided.json().get("status").asText()).isEqualTo("voided");
        assertThat(voided.json().get("remaining").asText()).isEqualTo("0.00");
        assertThat(t.balance("api_3")).isEqualTo("0.00");
        assertThat(t.get("/v1/customers/api_3/grants").json().get("data")).isEmpty();
        assertThat(t.get("/v1/customers/api_3/grants?status=all").json().get("data")).hasSize(1);
        assertThat(t.get("/v1/grants/" + id).json().get("status").asText()).isEqualTo("voided");
    }

    @Test
    void aGrantEffectiveLater_isScheduled_andNotSpendableYet() {
        String later = Instant.now().plusSeconds(3600).truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS).toString();
        Response r = t.post("/v1/customers/api_9/grants", "{\"credit_type\":\"credits\","
                + "\"amount\":\"30.00\",\"source\":\"subscription\",\"effective_at\":\""
                + later + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().get("status").asText()).isEqualTo("scheduled");
        assertThat(r.json().get("effective_at").asText()).isEqualTo(later);
        assertThat(r.json().get("remaining").asText()).isEqualTo("30.00");
        assertThat(r.json().get("balance").asText()).isEqualTo("0.00");
        assertThat(t.balance("api_9")).isEqualTo("0.00");
        assertThat(t.spend("api_9", "1.00", Map.of()).status()).isEqualTo(402);
        assertThat(t.get("/v1/customers/api_9/transactions").json().get("data")).isEmpty();
        assertThat(t.get("/v1/grants/" + r.json().get("id").asText()).json().get("status")
                .asText()).isEqualTo("scheduled");
    }

    @Test
    void adjustments_andOverdraft() {
        Response up = t.post("/v1/customers/api_4/adjustments", "{\"credit_type\":\"credits\","
                + "\"amount\":\"2.00\",\"reason\":\"goodwill\"}");
        assertThat(up.status()).isEqualTo(201);
        assertThat(up.json().get("type").asText()).isEqualTo("adjustment");
        assertThat(up.json().get("amount").asText()).isEqualTo("2.00");
        Response patch = t.send("PATCH", "/v1/customers/api_4/wallets/credits",
                "{\"overdraft_limit\":\"5.00\"}", Map.of(), TestServer.KEY);
        assertThat(patch.status()).isEqualTo(200);
        assertThat(patch.json().get("overdraft_limit").asText()).isEqualTo("5.00");
        assertThat(t.spend("api_4", "6.00", Map.of()).status()).isEqualTo(201);
        assertThat(t.balance("api_4")).isEqualTo("-4.00");
        assertThat(t.spend("api_4", "1.01", Map.of()).status()).isEqualTo(402);
        Response unlimited = t.send("PATCH", "/v1/customers/api_4/wallets/credits",
                "{\"overdraft_limit\":\"unlimited\"}", Map.of(), TestServer.KEY);
        assertThat(unlimited.json().get("overdraft_limit").asText()).isEqualTo("unlimited");
        Response reset = t.send("PATCH", "/v1/customers/api_4/wallets/credits",
                "{\"overdraft_limit\":null}", Map.of(), TestServer.KEY);
        assertThat(reset.json().get("overdraft_limit").asText()).isEqualTo("0.00");
    }

    @Test
    void walletAt_showsTheBalanceAsItStood() throws Exception {
        t.grant("api_5", "10.00");
        Instant between = Instant.now();
        Thread.sleep(5);
        t.grant("api_5", "5.00");
        JsonNode then = t.get("/v1/customers/api_5/wallets/credits?at=" + between).json();
        assertThat(then.get("balance").asText()).isEqualTo("10.00");
        assertThat(then.get("as_of").asText()).isEqualTo(between
                .truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString());
        assertThat(then.get("held").asText()).isEqualTo("0.00");
        assertThat(then.get("available").asText()).isEqualTo("10.00");
        JsonNode all = t.get("/v1/customers/api_5/wallets?at=" + between).json();
        assertThat(all.get("data").get(0).get("balance").asText()).isEqualTo("10.00");
        assertThat(t.balance("api_5")).isEqualTo("15.00");
    }

    @Test
    void aTimeFinerThanAMicrosecond_isAnsweredAsStored() {
        Response r = t.post("/v1/customers/api_11/grants", "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\",\"source\":\"purchase\","
                + "\"expires_at\":\"2030-01-01T00:00:00.123456789Z\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().get("expires_at").asText()).isEqualTo("2030-01-01T00:00:00.123456Z");
        String id = r.json().get("id").asText();
        assertThat(t.get("/v1/grants/" + id).json().get("expires_at").asText())
                .isEqualTo("2030-01-01T00:00:00.123456Z");
    }

    @Test
    void history_pagesWithCursorsAndGroupsDaily() {
        t.grant("api_6", "100.00");
        for (int i = 0; i < 4; i++) {
            t.post("/v1/customers/api_6/spend", "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                    + "\"feature\":\"chat\"}");
        }
        JsonNode first = t.get("/v1/customers/api_6/transactions?limit=2").json();
        assertThat(first.get("data")).hasSize(2);
        String cursor = first.get("next_cursor").asText();
        JsonNode rest = t.get("/v1/customers/api_6/transactions?limit=50&cursor=" + cursor).json();
        assertThat(rest.get("data")).hasSize(3);
        assertThat(rest.get("next_cursor").isNull()).isTrue();
        JsonNode daily = t.get("/v1/customers/api_6/transactions?group=daily").json().get("data");
        assertThat(daily).hasSize(2);
        assertThat(daily.get(0).get("count").asInt()).isEqualTo(4);
        assertThat(daily.get(0).get("amount").asText()).isEqualTo("-4.00");
        assertThat(daily.get(0).get("date").asText()).hasSize(10);
        JsonNode grantsOnly = t.get("/v1/customers/api_6/transactions?type=grant").json();
        assertThat(grantsOnly.get("data")).hasSize(1);
    }

    @Test
    void health_needsNoKey() {
        Response r = t.send("GET", "/health", null, Map.of(), null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
    }
}
