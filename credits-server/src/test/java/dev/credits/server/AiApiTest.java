package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.server.TestServer.Response;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The AI metering routes over HTTP, with the built-in example catalog (100 credits/USD). */
class AiApiTest {
    static final AtomicInteger CUSTOMERS = new AtomicInteger();
    /** The usage object of fixtures/ai/openai-chat-completion.json (gpt-5-mini). */
    static final String CHAT_USAGE = "{\"prompt_tokens\":2318,\"completion_tokens\":467,"
            + "\"total_tokens\":2785,\"prompt_tokens_details\":{\"cached_tokens\":1920,"
            + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":192}}";
    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static String customer(String amount) {
        String id = "ai_http_" + CUSTOMERS.incrementAndGet();
        if (amount != null) {
            t.grant(id, amount);
        }
        return id;
    }

    static Response reserve(String customer, String body) {
        return t.post("/v1/customers/" + customer + "/ai-calls", body);
    }

    static String reservation(String model, long in, long out) {
        return "{\"provider\":\"openai\",\"model\":\"" + model + "\",\"feature\":\"chat\","
                + "\"max_input_tokens\":" + in + ",\"max_output_tokens\":" + out + "}";
    }

    static String held(String customer) {
        return t.get("/v1/customers/" + customer + "/wallets/credits").json().get("held")
                .asText();
    }

    @Test
    void aClientKeyNamedLikeADerivedKey_cannotBlockTheCallsCapture() {
        String c = customer("10.00");
        Response r = reserve(c, reservation("gpt-5-mini-2025-08-07", 4_000, 1_000));
        String id = r.json().get("id").asText();
        // The attack of issue 9: the client takes the key the server would derive for the capture.
        Response spend = t.spend(c, "0.01", Map.of("Idempotency-Key", "ai:" + id + ":capture"));
        assertThat(spend.status()).as(spend.toString()).isEqualTo(201);
        Response done = t.post("/v1/ai-calls/" + id + "/complete", "{\"usage\":" + CHAT_USAGE
                + "}");
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.json().get("balance").asText()).isEqualTo("9.89");
        assertThat(held(c)).isEqualTo("0.00");
    }

    @Test
    void concurrentReservationsWithOneKey_allAnswerTheFirstCall_andHoldOnce()
            throws Exception {
        String c = customer("1.00");
        String body = reservation("gpt-5-mini-2025-08-07", 4_000, 1_000); // holds 0.30
        int attempts = 20;
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(attempts);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<Response>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            answers.add(pool.submit(() -> {
                go.await();
                return t.post("/v1/customers/" + c + "/ai-calls", body,
                        Map.of("Idempotency-Key", "one-call"));
            }));
        }
        go.countDown();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (java.util.concurrent.Future<Response> answer : answers) {
            Response r = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
            ids.add(r.json().get("id").asText());
        }
        pool.shutdown();
        assertThat(ids).hasSize(1);
        assertThat(held(c)).isEqualTo("0.30");
    }

    @Test
    void reserveThenComplete_chargesTheExactCost_once() {
        String c = customer("10.00");
        Response r = reserve(c, reservation("gpt-5-mini-2025-08-07", 4_000, 1_000));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode call = r.json();
        assertThat(call.get("status").asText()).isEqualTo("reserved");
        assertThat(call.get("id").asText()).startsWith("aic_");
        assertThat(call.get("hold_id").asText()).startsWith("hld_");
        // 4000 × 250 + 1000 × 2000 = 3,000,000 nano-USD = 0.30 credits
        assertThat(call.get("reserved").asText()).isEqualTo("0.30");
        assertThat(held(c)).isEqualTo("0.30");

        String complete = "/v1/ai-calls/" + call.get("id").asText() + "/complete";
        Response done = t.post(complete, "{\"usage\":" + CHAT_USAGE + "}");
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.json().get("status").asText()).isEqualTo("completed");
        assertThat(done.json().get("cost_usd").asText()).isEqualTo("0.001081500");
        assertThat(done.json().get("credits").asText()).isEqualTo("0.10");
        assertThat(done.json().get("balance").asText()).isEqualTo("9.90");
        assertThat(done.json().get("transaction_id").asText()).startsWith("txn_");
        assertThat(done.json().at("/usage/input_tokens").asLong()).isEqualTo(2318);
        assertThat(held(c)).isEqualTo("0.00");

        Response again = t.post(complete, "{\"usage\":" + CHAT_USAGE + "}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json().get("transaction_id")).isEqualTo(done.json().get(
                "transaction_id"));
        Response other = t.post(complete, "{\"usage\":{\"input_tokens\":1,"
                + "\"output_tokens\":1}}");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("invalid_state");
        assertThat(t.balance(c)).isEqualTo("9.90");
    }

    @Test
    void unaffordable_is402_andHoldsNothing() {
        String c = customer("0.05");
        Response r = reserve(c, reservation("gpt-4o", 100_000, 10_000));
        assertThat(r.status()).isEqualTo(402);
        assertThat(r.code()).isEqualTo("insufficient_credits");
        assertThat(r.json().get("required").asText()).isEqualTo("35.00");
        assertThat(held(c)).isEqualTo("0.00");
    }

    @Test
    void unknownModel_is422_unknownModel() {
        String c = customer("10.00");
        Response r = reserve(c, reservation("gpt-unknown", 10, 10));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.code()).isEqualTo("unknown_model");
        Response usage = t.post("/v1/customers/" + c + "/ai-usage", "{\"provider\":\"acme\","
                + "\"model\":\"x\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}");
        assertThat(usage.code()).isEqualTo("unknown_model");
        assertThat(t.balance(c)).isEqualTo("10.00");
        assertThat(held(c)).isEqualTo("0.00");
    }

    @Test
    void badInput_isAProblem_andWritesNothing() {
        String c = customer("10.00");
        Map<String, String> reservations = Map.of(
                reservation("gpt-4o", -1, 10), "validation_failed",
                reservation("gpt-4o", 1_000_000_001, 10), "validation_failed",
                "{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"max_input_tokens\":10}",
                "validation_failed",
                "{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"max_input_tokens\":\"10\","
                        + "\"max_output_tokens\":10}", "malformed_request",
                "{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"max_input_tokens\":10,"
                        + "\"max_output_tokens\":10,\"colour\":1}", "validation_failed");
        reservations.forEach((body, code) -> assertThat(reserve(c, body).code()).as(body)
                .isEqualTo(code));
        String id = reserve(c, reservation("gpt-4o", 1_000, 100)).json().get("id").asText();
        Map<String, String> usages = Map.of(
                "{}", "validation_failed",
                "{\"usage\":\"lots\"}", "malformed_request",
                "{\"usage\":{\"input_tokens\":-5,\"output_tokens\":1}}", "validation_failed",
                "{\"usage\":{\"input_tokens\":1000000001,\"output_tokens\":1}}",
                "validation_failed",
                "{\"usage\":{\"input_tokens\":1.5,\"output_tokens\":1}}", "validation_failed",
                "{\"usage\":{\"input_tokens\":5,\"output_tokens\":1,\"cached_input_tokens\":9}}",
                "validation_failed",
                "{\"usage\":{\"tokens\":5}}", "validation_failed");
        usages.forEach((body, code) -> {
            Response r = t.post("/v1/ai-calls/" + id + "/complete", body);
            assertThat(r.code()).as(body).isEqualTo(code);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        });
        assertThat(t.post("/v1/ai-calls/aic_nope/complete", "{\"usage\":{\"input_tokens\":1,"
                + "\"output_tokens\":1}}").status()).isEqualTo(404);
        assertThat(t.balance(c)).isEqualTo("10.00");
        assertThat(held(c)).isEqualTo("0.35");
    }

    @Test
    void cancel_releasesTheHold_andCompletingItAfterwardsIs409() {
        String c = customer("10.00");
        String id = reserve(c, reservation("gpt-4o", 1_000, 100)).json().get("id").asText();
        Response cancelled = t.post("/v1/ai-calls/" + id + "/cancel", null);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        assertThat(held(c)).isEqualTo("0.00");
        Response complete = t.post("/v1/ai-calls/" + id + "/complete",
                "{\"usage\":{\"input_tokens\":10,\"output_tokens\":10}}");
        assertThat(complete.status()).isEqualTo(409);
        assertThat(complete.code()).isEqualTo("invalid_state");
        assertThat(t.balance(c)).isEqualTo("10.00");
    }

    @Test
    void usageAfterTheFact_isChargedOncePerKey_andOverTheOverdraftWritesNothing() {
        String c = customer("10.00");
        String path = "/v1/customers/" + c + "/ai-usage";
        String body = "{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5-20250929\","
                + "\"feature\":\"summary\",\"usage\":{\"input_tokens\":57,"
                + "\"cache_creation_input_tokens\":1184,\"cache_read_input_tokens\":3926,"
                + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":1184,"
                + "\"ephemeral_1h_input_tokens\":0},\"output_tokens\":341}}";
        Map<String, String> key = Map.of("Idempotency-Key", "usage-1");
        Response first = t.post(path, body, key);
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.json().get("cost_usd").asText()).isEqualTo("0.010903800");
        assertThat(first.json().get("credits").asText()).isEqualTo("1.09");
        Response replay = t.post(path, body, key);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.json().get("id")).isEqualTo(first.json().get("id"));
        assertThat(t.post(path, body.replace("341", "342"), key).code())
                .isEqualTo("idempotency_conflict");
        assertThat(t.balance(c)).isEqualTo("8.91");

        Response tooMuch = t.post(path, "{\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"usage\":{\"input_tokens\":10000000,\"output_tokens\":0}}");
        assertThat(tooMuch.status()).isEqualTo(402);
        assertThat(t.balance(c)).isEqualTo("8.91");

        JsonNode totals = t.get(path + "?group_by=feature").json();
        assertThat(totals.get("data")).hasSize(1);
        assertThat(totals.at("/data/0/feature").asText()).isEqualTo("summary");
        assertThat(totals.at("/data/0/calls").asLong()).isEqualTo(1);
        assertThat(totals.at("/data/0/input_tokens").asLong()).isEqualTo(5167);
        assertThat(totals.at("/data/0/credits").asText()).isEqualTo("1.09");
        assertThat(t.get(path + "?group_by=model").json().at("/data/0/model").asText())
                .isEqualTo("anthropic/claude-sonnet-4-5-20250929");
        assertThat(t.get(path + "?group_by=day").json().at("/data/0/day").asText())
                .hasSize(10);
        assertThat(t.get(path + "?group_by=colour").code()).isEqualTo("validation_failed");
        assertThat(t.get(path + "?from=yesterday").code()).isEqualTo("validation_failed");
    }
}
