package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditTypes;
import dev.credits.server.TestServer.Response;
import dev.credits.webhooks.WebhooksConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The POST routes whose operations keep no key of their own accept Idempotency-Key as every
 * POST does (API.md): a retry replays, another request with the key is a conflict.
 */
class ReplayedPostsTest {
    static TestServer t;
    static int seq;

    @BeforeAll
    static void start() {
        t = TestServer.start(CreditTypes.defaults(), Clock.systemUTC(),
                WebhooksConfig.defaults().withAllowPrivateNetworks(true));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String endpoint() {
        Response made = t.post("/v1/webhook-endpoints", "{\"url\": \"http://127.0.0.1:9/h\","
                + " \"events\": [\"*\"]}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        return made.json().get("id").asText();
    }

    private static Response post(String path, String body, String key) {
        return t.post(path, body, Map.of("Idempotency-Key", key));
    }

    private static String key(String name) {
        return name + "-" + (++seq) + "-" + System.nanoTime();
    }

    @Test
    void aRotationRetriedWithItsKey_rotatesOnce_andAnswersTheSameSecret() {
        String id = endpoint();
        String key = key("rotate");
        Response first = post("/v1/webhook-endpoints/" + id + "/rotate-secret", null, key);
        Response again = post("/v1/webhook-endpoints/" + id + "/rotate-secret", null, key);
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.header(LedgerApi.IDEMPOTENT_REPLAYED)).isEqualTo("true");
        assertThat(first.header(LedgerApi.IDEMPOTENT_REPLAYED)).isNull();
        Response other = post("/v1/webhook-endpoints/" + id + "/rotate-secret", null, key("r2"));
        assertThat(other.json().get("secret").asText())
                .isNotEqualTo(first.json().get("secret").asText());
    }

    @Test
    void theKeyWithAnotherRequest_isAConflict_whateverTheRoute() {
        String id = endpoint();
        String key = key("conflict");
        assertThat(post("/v1/webhook-endpoints/" + id + "/rotate-secret", null, key).status())
                .isEqualTo(200);
        Response elsewhere = post("/v1/webhook-endpoints/" + endpoint() + "/rotate-secret",
                null, key);
        assertThat(elsewhere.status()).isEqualTo(409);
        assertThat(elsewhere.code()).isEqualTo("idempotency_conflict");
        Response spend = post("/v1/customers/ann/grants", "{\"credit_type\": \"credits\","
                + " \"amount\": \"1.00\", \"source\": \"purchase\"}", key);
        assertThat(spend.status()).as("the ledger's namespace is the same").isEqualTo(409);
        assertThat(t.credits.wallet("ann", "credits").balance().units()).isZero();

        String spendKey = key("spend-first");
        assertThat(post("/v1/customers/bob/grants", "{\"credit_type\": \"credits\","
                + " \"amount\": \"1.00\", \"source\": \"purchase\"}", spendKey).status())
                .isEqualTo(201);
        Response rotate = post("/v1/webhook-endpoints/" + id + "/rotate-secret", null, spendKey);
        assertThat(rotate.status()).isEqualTo(409);
        assertThat(rotate.code()).isEqualTo("idempotency_conflict");
    }

    @Test
    void aRefusedRequest_keepsNoKey_soItsRetryIsANewAttempt() {
        String key = key("missing");
        Response first = post("/v1/webhook-endpoints/whe_nope/rotate-secret", null, key);
        Response again = post("/v1/webhook-endpoints/whe_nope/rotate-secret", null, key);
        assertThat(first.status()).isEqualTo(404);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.header(LedgerApi.IDEMPOTENT_REPLAYED)).isNull();
        Response real = post("/v1/webhook-endpoints/" + endpoint() + "/rotate-secret", null, key);
        assertThat(real.status()).as("the key was not kept by the refusals").isEqualTo(200);
    }

    @Test
    void aPortalSessionRetried_isTheSameSession() {
        String key = key("portal");
        String body = "{\"customer_id\": \"cat\"}";
        Response first = post("/v1/portal-sessions", body, key);
        Response again = post("/v1/portal-sessions", body, key);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(post("/v1/portal-sessions", "{\"customer_id\": \"dan\"}", key).status())
                .isEqualTo(409);
    }

    @Test
    void aKeyInFlight_isA503WithRetryAfter_andAStaleOneIsTakenOver() throws Exception {
        String id = endpoint();
        String path = "/v1/webhook-endpoints/" + id + "/rotate-secret";
        String route = "/v1/webhook-endpoints/{id}/rotate-secret";
        String busy = key("busy");
        claim(busy, ReplayedPosts.fingerprint(route, path, new byte[0]), "t1",
                System.currentTimeMillis());
        Response waiting = post(path, null, busy);
        assertThat(waiting.status()).isEqualTo(503);
        assertThat(waiting.code()).isEqualTo("unavailable");
        assertThat(waiting.header("Retry-After")).isEqualTo(ReplayedPosts.RETRY_AFTER_SECONDS);

        String stale = key("stale");
        claim(stale, ReplayedPosts.fingerprint(route, path, new byte[0]), "t-dead",
                System.currentTimeMillis() - (ReplayedPosts.IN_FLIGHT_TAKEOVER_SECONDS + 5) * 1_000);
        Response taken = post(path, null, stale);
        assertThat(taken.status()).as(taken.body()).isEqualTo(200);
        Response replayed = post(path, null, stale);
        assertThat(replayed.body()).isEqualTo(taken.body());
        // the owner it was taken from, only slow, comes back: it can neither let go of the key
        // nor write its answer over the one recorded
        ReplayedPosts posts = new ReplayedPosts(t.ledger.dataSource(), Clock.systemUTC());
        posts.releaseQuietly(stale, "t-dead");
        assertThat(post(path, null, stale).body()).isEqualTo(taken.body());
        ReplayedPosts.Claim again = posts.claim(stale, ReplayedPosts.fingerprint(route, path,
                new byte[0]), route);
        assertThat(again.recorded()).isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> posts.claim(stale,
                "another fingerprint", route))
                .isInstanceOf(dev.credits.IdempotencyConflictException.class);
    }

    @Test
    void racingRetriesOfOneKey_rotateOnce() throws Exception {
        String id = endpoint();
        String key = key("race");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(() -> post("/v1/webhook-endpoints/" + id + "/rotate-secret", null,
                        key));
            }
            List<String> secrets = new ArrayList<>();
            for (Future<Response> f : pool.invokeAll(calls)) {
                Response r = f.get();
                assertThat(r.status()).as(r.body()).isIn(200, 503);
                if (r.status() == 200) {
                    secrets.add(r.json().get("secret").asText());
                }
            }
            assertThat(secrets).isNotEmpty();
            assertThat(secrets.stream().distinct()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAiCallCancelledTwiceWithItsKey_isReplayed_andWithoutAKeyRunsEachTime() {
        t.credits.wallet("eve", "credits").grant(dev.credits.Grant.of("10.00"));
        Response call = t.post("/v1/customers/eve/ai-calls", "{\"provider\": \"openai\","
                + " \"model\": \"gpt-4o-mini\", \"max_input_tokens\": 100,"
                + " \"max_output_tokens\": 100}");
        assertThat(call.status()).as(call.body()).isEqualTo(201);
        String path = "/v1/ai-calls/" + call.json().get("id").asText() + "/cancel";
        String key = key("cancel");
        Response first = post(path, null, key);
        Response again = post(path, null, key);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.header(LedgerApi.IDEMPOTENT_REPLAYED)).isEqualTo("true");
        assertThat(again.header("Content-Type")).isEqualTo(first.header("Content-Type"));
    }

    /** A request sent again while it answers 503 (a first request with its key still running). */
    private static Response untilNot503(String path, String body, String key) {
        for (int attempt = 0; ; attempt++) {
            Response r = key == null ? t.post(path, body) : post(path, body, key);
            if (r.status() != 503 || attempt == 200) {
                return r;
            }
        }
    }

    private static String reserveCall(String customer) {
        Response call = t.post("/v1/customers/" + customer + "/ai-calls", "{\"provider\":"
                + " \"openai\", \"model\": \"gpt-4o-mini\", \"max_input_tokens\": 100000,"
                + " \"max_output_tokens\": 100000}");
        assertThat(call.status()).as(call.body()).isEqualTo(201);
        return "/v1/ai-calls/" + call.json().get("id").asText() + "/complete";
    }

    /** 16 completions of one call at once, each retried while 503: charged once, one answer. */
    private static void raceCompletion(String customer, String key) throws Exception {
        t.credits.wallet(customer, "credits").grant(dev.credits.Grant.of("100.00"));
        String path = reserveCall(customer);
        String body = "{\"usage\": {\"input_tokens\": 50000, \"output_tokens\": 20000}}";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(() -> untilNot503(path, body, key));
            }
            List<String> transactions = new ArrayList<>();
            String charged = null;
            for (Future<Response> f : pool.invokeAll(calls)) {
                Response r = f.get();
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                transactions.add(r.json().get("transaction_id").asText());
                charged = r.json().get("credits").asText();
            }
            assertThat(transactions.stream().distinct()).as("one charge").hasSize(1);
            long chargedUnits = dev.credits.Amount.parse(charged, 2).units();
            assertThat(chargedUnits).isPositive();
            assertThat(t.credits.wallet(customer, "credits").balance().units())
                    .isEqualTo(10_000 - chargedUnits);
            assertThat(t.credits.wallet(customer, "credits").available().units())
                    .as("nothing left held").isEqualTo(10_000 - chargedUnits);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void racingCompletionsOfAnAiCall_withOneKey_chargeOnce() throws Exception {
        raceCompletion("fay", key("complete"));
    }

    @Test
    void racingCompletionsOfAnAiCall_withoutAKey_chargeOnce() throws Exception {
        raceCompletion("gus", null);
    }

    private static void claim(String key, String fingerprint, String token, long atMs)
            throws Exception {
        try (Connection c = t.ledger.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("insert into idempotency_keys values"
                     + " ('', ?, ?, 'http:test', ?::jsonb, ?)")) {
            ps.setString(1, key);
            ps.setString(2, fingerprint);
            ps.setString(3, "{\"" + ReplayedPosts.PENDING_TOKEN + "\": \"" + token + "\", \""
                    + ReplayedPosts.PENDING_AT_MS + "\": " + atMs + "}");
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
        try (Connection c = t.ledger.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from idempotency_keys"
                     + " where key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }
}
