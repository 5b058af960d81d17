package dev.credits.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Credits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Boots the example on the embedded PostgreSQL and sells, meters and refuses over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"credits.durable=false", "credits.sweeper-interval=0"})
class ExampleApplicationTest {
    @Autowired
    TestRestTemplate http;
    @Autowired
    Credits credits;

    /** Under target/, so that {@code mvn clean} removes the embedded database's files. */
    @DynamicPropertySource
    static void dataDirectory(DynamicPropertyRegistry registry) throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")),
                "credits-data-");
        registry.add("credits.data-directory", data::toString);
    }

    private static HttpEntity<Object> withKey(String key, Object body) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("Idempotency-Key", key);
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new HttpEntity<>(body, headers);
    }

    @Test
    @SuppressWarnings("rawtypes")
    void aPackBought_thenAChatMetered_thenAnEmptyWalletRefused() {
        ResponseEntity<Map> bought = http.postForEntity("/customers/ann/purchases/pack_small",
                withKey("pay_1", null), Map.class);
        assertThat(bought.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(bought.getBody()).containsEntry("balance", "500.00");
        // the payment's webhook retried: granted once
        http.postForEntity("/customers/ann/purchases/pack_small", withKey("pay_1", null),
                Map.class);
        assertThat(credits.wallet("ann", "credits").balance()).hasToString("500.00");

        ResponseEntity<Map> chat = http.postForEntity("/customers/ann/chat",
                withKey("req_1", Map.of("prompt", "How many credits do I have left?")),
                Map.class);
        assertThat(chat.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat((String) chat.getBody().get("answer")).startsWith("You asked:");
        long left = credits.wallet("ann", "credits").balance().units();
        assertThat(left).isLessThan(50_000).isPositive();
        assertThat(chat.getBody()).containsEntry("balance",
                credits.wallet("ann", "credits").balance().toString());

        ResponseEntity<Map> refused = http.postForEntity("/customers/bob/chat",
                withKey("req_2", Map.of("prompt", "hello")), Map.class);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.PAYMENT_REQUIRED);
        assertThat(refused.getHeaders().getContentType().toString())
                .startsWith("application/problem+json");
        assertThat(refused.getBody()).containsEntry("code", "insufficient_credits")
                .containsEntry("balance", "0.00").containsKey("required");
        assertThat(credits.wallet("bob", "credits").balance().units()).isZero();

        ResponseEntity<Map> unknown = http.postForEntity("/customers/ann/purchases/pack_huge",
                withKey("pay_2", null), Map.class);
        assertThat(unknown.getStatusCode().is4xxClientError()).isTrue();
        assertThat(credits.wallet("ann", "credits").balance().units()).isEqualTo(left);
    }

    /** POSTed until not answered 503 (a first request with the key still running). */
    @SuppressWarnings("rawtypes")
    private ResponseEntity<Map> untilNot503(String path, String key, Object body) {
        for (int attempt = 0; ; attempt++) {
            ResponseEntity<Map> r = http.postForEntity(path, withKey(key, body), Map.class);
            if (r.getStatusCode().value() != 503 || attempt == 200) {
                return r;
            }
        }
    }

    @Test
    @SuppressWarnings("rawtypes")
    void racingRetriesOfOnePaymentAndOneChat_applyOnce() throws Exception {
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Callable<ResponseEntity<Map>>> buys =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                buys.add(() -> untilNot503("/customers/cid/purchases/pack_small", "pay_race",
                        null));
            }
            for (var f : pool.invokeAll(buys)) {
                assertThat(f.get().getStatusCode()).as(String.valueOf(f.get().getBody()))
                        .isEqualTo(HttpStatus.OK);
            }
            assertThat(credits.wallet("cid", "credits").balance()).hasToString("500.00");

            java.util.List<java.util.concurrent.Callable<ResponseEntity<Map>>> chats =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                chats.add(() -> untilNot503("/customers/cid/chat", "req_race",
                        Map.of("prompt", "hello")));
            }
            java.util.List<String> statuses = new java.util.ArrayList<>();
            int answered = 0;
            for (var f : pool.invokeAll(chats)) {
                ResponseEntity<Map> r = f.get();
                statuses.add(r.getStatusCode().value() + " " + r.getBody());
                if (r.getStatusCode() == HttpStatus.OK) {
                    answered++;
                } else {
                    // the model's answer is not kept, so a retry of a call that ran (or runs)
                    // is told so instead of being answered again: never run a second time
                    assertThat(r.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
                    assertThat(r.getBody()).containsEntry("code", "invalid_state");
                }
            }
            long usages = credits.history("cid", dev.credits.History.query().limit(50)).data()
                    .stream().filter(t -> t.type() == dev.credits.TransactionType.USAGE).count();
            assertThat(usages).as("one chat charged: " + statuses).isEqualTo(1);
            assertThat(answered).as("the model called once: " + statuses).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @SuppressWarnings("rawtypes")
    void actuatorShowsTheLedgersHealth() {
        ResponseEntity<Map> health = http.getForEntity("/actuator/health/credits", Map.class);
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(health.getBody()).containsEntry("status", "UP");
        ResponseEntity<Map> meter = http.getForEntity(
                "/actuator/metrics/credits.ledger.database.reachable", Map.class);
        assertThat(meter.getStatusCode()).isEqualTo(HttpStatus.OK);
    }
}
