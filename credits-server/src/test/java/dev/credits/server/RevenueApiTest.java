package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditTypes;
import dev.credits.server.TestServer.Response;
import dev.credits.testing.MutableClock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cost basis on grants, paid and free credits in the wallet, and the revenue report, by HTTP. */
class RevenueApiTest {
    static MutableClock clock;
    static TestServer t;

    @BeforeAll
    static void start() {
        clock = MutableClock.at("2027-01-01T09:00:00Z");
        t = TestServer.start(CreditTypes.defaults(), clock);
    }

    @AfterAll
    static void stop() {
        assertThat(t.credits.verify().violations()).isEmpty();
        t.close();
    }

    static Response grant(String customer, String extra) {
        return t.post("/v1/customers/" + customer + "/grants", "{\"credit_type\": \"credits\","
                + " \"amount\": \"1000.00\", \"source\": \"purchase\"" + extra + "}");
    }

    @Test
    void aGrantsCostBasis_isShown_andTheReportRollsItForward() {
        Response made = grant("rev_http", ", \"cost_basis\": {\"amount\": \"9.99\","
                + " \"currency\": \"usd\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().get("cost_basis").get("amount").asText()).isEqualTo("9.99");
        assertThat(made.json().get("cost_basis").get("currency").asText()).isEqualTo("usd");
        t.post("/v1/customers/rev_http/grants", "{\"credit_type\": \"credits\", \"amount\":"
                + " \"50.00\", \"source\": \"promotion\"}");
        JsonNode wallet = t.get("/v1/customers/rev_http/wallets/credits").json();
        assertThat(wallet.get("paid_remaining").asText()).isEqualTo("1000.00");
        assertThat(wallet.get("free_remaining").asText()).isEqualTo("50.00");
        assertThat(t.get("/v1/grants/" + made.json().get("id").asText()).json()
                .get("cost_basis").get("amount").asText()).isEqualTo("9.99");
        assertThat(t.spend("rev_http", "383.00", Map.of()).status()).isEqualTo(201);
        // 1,050.00 in burn-down order: the older grant (the pack) goes first at equal priority.
        Response report = t.get("/v1/reports/revenue?from=2027-01-01T00:00:00Z"
                + "&to=2027-02-01T00:00:00Z&currency=usd&customer=rev_http");
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        JsonNode r = report.json();
        assertThat(r.get("opening_deferred").asText()).isEqualTo("0.00");
        assertThat(r.get("purchased").asText()).isEqualTo("9.99");
        assertThat(r.get("recognized").asText()).isEqualTo("3.82"); // floor(999 × 383 / 1000)
        assertThat(r.get("closing_deferred").asText()).isEqualTo("6.17");
        assertThat(r.get("currency").asText()).isEqualTo("usd");
    }

    @Test
    void badCostBases_are4xx_andWriteNothing() {
        List<String> bad = List.of(
                ", \"cost_basis\": {\"amount\": \"9.99\", \"currency\": \"xyz\"}",
                ", \"cost_basis\": {\"amount\": \"9.999\", \"currency\": \"usd\"}",
                ", \"cost_basis\": {\"amount\": \"-1.00\", \"currency\": \"usd\"}",
                ", \"cost_basis\": {\"amount\": \"1.5\", \"currency\": \"jpy\"}",
                ", \"cost_basis\": {\"amount\": 9.99, \"currency\": \"usd\"}",
                ", \"cost_basis\": {\"amount\": \"9.99\"}",
                ", \"cost_basis\": {\"amount\": \"9.99\", \"currency\": \"USD\"}",
                ", \"cost_basis\": {\"amount\": \"9.99\", \"currency\": \"usd\", \"tax\": 1}",
                ", \"cost_basis\": \"9.99usd\"",
                ", \"cost_basis\": {\"amount\": \"99999999999999999999\", \"currency\": \"usd\"}");
        for (String extra : bad) {
            Response r = grant("rev_bad", extra);
            assertThat(r.status()).as(extra + " " + r.body()).isBetween(400, 499);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        Response onSpend = t.post("/v1/customers/rev_bad/spend", "{\"credit_type\": \"credits\","
                + " \"amount\": \"1.00\", \"cost_basis\": {\"amount\": \"1.00\", \"currency\":"
                + " \"usd\"}}");
        assertThat(onSpend.status()).isEqualTo(422);
        assertThat(t.balance("rev_bad")).isEqualTo("0.00");
        assertThat(t.get("/v1/customers/rev_bad/grants?status=all").json().get("data"))
                .isEmpty();
    }

    @Test
    void badReportRequests_are4xx() {
        String ok = "from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z&currency=usd";
        assertThat(t.get("/v1/reports/revenue?" + ok).status()).isEqualTo(200);
        for (String query : List.of("from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z",
                "to=2027-02-01T00:00:00Z&currency=usd",
                "from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z&currency=usd",
                "from=yesterday&to=2027-02-01T00:00:00Z&currency=usd",
                ok.replace("usd", "xyz"), ok + "&credit_type=gold", ok + "&customer=bad%20id",
                ok + "&surprise=1")) {
            Response r = t.get("/v1/reports/revenue?" + query);
            assertThat(r.status()).as(query + " " + r.body()).isEqualTo(422);
        }
        assertThat(t.send("GET", "/v1/reports/revenue?" + ok, null, Map.of(), null).status())
                .isEqualTo(401);
        assertThat(t.send("GET", "/v1/reports/revenue?" + ok, null, Map.of(), "wrong").status())
                .isEqualTo(401);
    }
}
