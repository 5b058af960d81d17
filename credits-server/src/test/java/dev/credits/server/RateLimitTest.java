package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.Grant;
import dev.credits.server.TestServer.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rate limits per API key, the operations pages behind a key, and the limits' own checks. */
class RateLimitTest {
    private static final long SECOND_NANOS = 1_000_000_000L;

    @Test
    void aBucket_allowsItsBurst_thenOnePerRefill_exactly() {
        RateLimiter limiter = new RateLimiter(10, 3);
        long t0 = 5 * SECOND_NANOS;
        assertThat(limiter.acquire("k", t0)).isZero();
        assertThat(limiter.acquire("k", t0)).isZero();
        assertThat(limiter.acquire("k", t0)).isZero();
        long wait = limiter.acquire("k", t0);
        assertThat(wait).as("a token every 100 ms").isEqualTo(SECOND_NANOS / 10);
        assertThat(RateLimiter.retryAfterSeconds(wait)).isEqualTo(1);
        assertThat(limiter.acquire("other", t0)).as("each key its own bucket").isZero();
        assertThat(limiter.acquire("k", t0 + SECOND_NANOS / 10)).isZero();
        assertThat(limiter.acquire("k", t0 + SECOND_NANOS / 10)).isPositive();
        // an hour idle refills to the burst, never beyond
        long later = t0 + 3_600 * SECOND_NANOS;
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("k", later)).isZero();
        }
        assertThat(limiter.acquire("k", later)).isPositive();
        // a time from before the last (callers read the clock before the lock) gives nothing,
        // and does not move the bucket's time back to be refilled twice
        assertThat(limiter.acquire("k", later - SECOND_NANOS)).isPositive();
        assertThat(limiter.acquire("k", later + SECOND_NANOS / 10)).isZero();
        assertThat(limiter.acquire("k", later + SECOND_NANOS / 10)).isPositive();
        assertThat(RateLimiter.retryAfterSeconds(2 * SECOND_NANOS + 1)).isEqualTo(3);
    }

    @Test
    void theLargestRatesAndBursts_doNotOverflow() {
        RateLimiter limiter = new RateLimiter(HttpLimits.REQUESTS_PER_SECOND_MAX,
                HttpLimits.BURST_MAX);
        assertThat(limiter.acquire("k", 0)).isZero();
        assertThat(limiter.acquire("k", Long.MAX_VALUE / 2)).isZero();
    }

    @Test
    void limitsOutOfRange_areRefusedByName() {
        assertThatThrownBy(() -> HttpLimits.DEFAULTS.withRateLimit(0, 1))
                .hasMessageContaining("requests_per_second");
        assertThatThrownBy(() -> HttpLimits.DEFAULTS.withRateLimit(1, 0))
                .hasMessageContaining("burst");
        assertThatThrownBy(() -> HttpLimits.DEFAULTS.withMaxConnections(0))
                .hasMessageContaining("max_connections");
        assertThatThrownBy(() -> HttpLimits.DEFAULTS.withIdleTimeoutSeconds(0))
                .hasMessageContaining("idle_timeout_seconds");
    }

    @Test
    void overTheLimit_is429WithRetryAfter_writesNothing_andOtherKeysGoOn() throws Exception {
        try (TestServer t = TestServer.startWithLimits(HttpLimits.DEFAULTS.withRateLimit(1, 5))) {
            t.credits.wallet("ann", "credits").grant(Grant.of("100.00"));
            String spend = "{\"credit_type\": \"credits\", \"amount\": \"1.00\"}";
            int ok = 0;
            Response refused = null;
            for (int i = 0; i < 10; i++) {
                Response r = t.post("/v1/customers/ann/spend", spend);
                if (r.status() == 201) {
                    ok++;
                } else {
                    refused = r;
                    assertThat(r.status()).as(r.body()).isEqualTo(429);
                }
            }
            assertThat(ok).as("the burst, and a refill a second meanwhile").isBetween(5, 8);
            assertThat(refused).isNotNull();
            assertThat(refused.code()).isEqualTo("rate_limited");
            assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 2L);
            assertThat(t.credits.wallet("ann", "credits").balance().units())
                    .as("only the spends answered 201").isEqualTo(10_000 - ok * 100L);
            String other = t.keys.create("other");
            Response theirs = t.send("GET", "/v1/customers/ann/wallets", null, Map.of(), other);
            assertThat(theirs.status()).isEqualTo(200);
            Thread.sleep(1_100);
            assertThat(t.post("/v1/customers/ann/spend", spend).status())
                    .as("a token back after a second").isEqualTo(201);
        }
    }

    @Test
    void protectedOperations_needAKey_butHealthNever() {
        try (TestServer t = TestServer.startWithLimits(
                HttpLimits.DEFAULTS.withProtectOperations(true))) {
            for (String path : new String[] {"/metrics", "/openapi.json", "/docs"}) {
                Response bare = t.send("GET", path, null, Map.of(), null);
                assertThat(bare.status()).as(path).isEqualTo(401);
                assertThat(bare.code()).as(path).isEqualTo("unauthorized");
                assertThat(t.send("GET", path, null, Map.of(), "sk_wrong").status()).as(path)
                        .isEqualTo(401);
                assertThat(t.send("GET", path, null, Map.of(), TestServer.KEY).status())
                        .as(path).isEqualTo(200);
            }
            assertThat(t.send("GET", "/health", null, Map.of(), null).status()).isEqualTo(200);
        }
        try (TestServer open = TestServer.startWithLimits(HttpLimits.DEFAULTS)) {
            assertThat(open.send("GET", "/metrics", null, Map.of(), null).status())
                    .as("open by default, as before").isEqualTo(200);
        }
    }

    @Test
    void connectionsBeyondTheLimit_wait_andIdleOnesAreClosed() throws Exception {
        HttpLimits limits = HttpLimits.DEFAULTS.withMaxConnections(2).withIdleTimeoutSeconds(2);
        try (TestServer t = TestServer.startWithLimits(limits)) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(java.time.Duration.ofSeconds(5)).build();
            java.net.http.HttpRequest health = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(t.baseUrl() + "/health"))
                    .timeout(java.time.Duration.ofMillis(800)).build();
            try (java.net.Socket first = new java.net.Socket("127.0.0.1", t.server.port());
                 java.net.Socket second = new java.net.Socket("127.0.0.1", t.server.port())) {
                Thread.sleep(200);
                long started = System.nanoTime();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.send(health,
                        java.net.http.HttpResponse.BodyHandlers.ofString()))
                        .as("a third connection is not served while two are open")
                        .isInstanceOf(java.io.IOException.class);
                assertThat(System.nanoTime() - started).isGreaterThan(700_000_000L);
                first.setSoTimeout(10_000);
                long idleFrom = System.nanoTime();
                assertThat(first.getInputStream().read()).as("closed by the server").isEqualTo(-1);
                assertThat((System.nanoTime() - idleFrom) / 1_000_000).as("after the idle timeout")
                        .isLessThan(5_000);
            }
            java.net.http.HttpClient fresh = java.net.http.HttpClient.newHttpClient();
            assertThat(fresh.send(health.newBuilder(health.uri())
                    .timeout(java.time.Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("served once the others are gone").isEqualTo(200);
        }
    }
}
