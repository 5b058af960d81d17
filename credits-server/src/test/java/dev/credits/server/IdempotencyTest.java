package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.TestServer.Response;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IdempotencyTest {
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
    void spendRetry_replaysTheFirstResponse_andSpendsOnce() {
        t.grant("idem_1", "10.00");
        Map<String, String> key = Map.of("Idempotency-Key", "order-1");
        Response first = t.spend("idem_1", "3.00", key);
        Response again = t.spend("idem_1", "3.00", key);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(t.balance("idem_1")).isEqualTo("7.00");
        assertThat(t.get("/v1/customers/idem_1/transactions").json().get("data")).hasSize(2);
    }

    @Test
    void amountAsNumberOrString_isTheSameRequest() {
        t.grant("idem_2", "10.00");
        Map<String, String> key = Map.of("Idempotency-Key", "order-2");
        Response first = t.post("/v1/customers/idem_2/spend",
                "{\"credit_type\":\"credits\",\"amount\":\"2.50\"}", key);
        Response again = t.post("/v1/customers/idem_2/spend",
                "{\"amount\":2.5,\"credit_type\":\"credits\"}", key);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(t.balance("idem_2")).isEqualTo("7.50");
    }

    @Test
    void grantAndCaptureRetries_replay() {
        Map<String, String> key = Map.of("Idempotency-Key", "pay_123");
        String body = "{\"credit_type\":\"credits\",\"amount\":\"20.00\",\"source\":\"purchase\"}";
        Response first = t.post("/v1/customers/idem_3/grants", body, key);
        Response again = t.post("/v1/customers/idem_3/grants", body, key);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(t.balance("idem_3")).isEqualTo("20.00");
        String hold = t.post("/v1/customers/idem_3/holds",
                "{\"credit_type\":\"credits\",\"amount\":\"5.00\"}").json().get("id").asText();
        Map<String, String> captureKey = Map.of("Idempotency-Key", "capture-1");
        Response captured = t.post("/v1/holds/" + hold + "/capture", "{\"amount\":\"4.00\"}",
                captureKey);
        Response replayed = t.post("/v1/holds/" + hold + "/capture", "{\"amount\":\"4.00\"}",
                captureKey);
        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replayed.body()).isEqualTo(captured.body());
        assertThat(t.balance("idem_3")).isEqualTo("16.00");
    }

    @Test
    void sameKeyDifferentRequest_isAConflict() {
        t.grant("idem_4", "10.00");
        Map<String, String> key = Map.of("Idempotency-Key", "order-4");
        assertThat(t.spend("idem_4", "1.00", key).status()).isEqualTo(201);
        Response conflict = t.spend("idem_4", "2.00", key);
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.code()).isEqualTo("idempotency_conflict");
        assertThat(t.balance("idem_4")).isEqualTo("9.00");
    }

    @Test
    void aKeyNamesOneRequest_soUsingItForAnotherCustomerIsAConflict() {
        t.grant("idem_5a", "10.00");
        t.grant("idem_5b", "10.00");
        Map<String, String> key = Map.of("Idempotency-Key", "shared");
        assertThat(t.spend("idem_5a", "1.00", key).status()).isEqualTo(201);
        Response other = t.spend("idem_5b", "1.00", key);
        assertThat(other.status()).as(other.toString()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("idempotency_conflict");
        Response grant = t.post("/v1/customers/idem_5a/grants",
                "{\"credit_type\":\"credits\",\"amount\":\"1.00\",\"source\":\"promotion\"}",
                key);
        assertThat(grant.status()).as("another endpoint").isEqualTo(409);
        assertThat(t.balance("idem_5a")).isEqualTo("9.00");
        assertThat(t.balance("idem_5b")).isEqualTo("10.00");
    }
}
