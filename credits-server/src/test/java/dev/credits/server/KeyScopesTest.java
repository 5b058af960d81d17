package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.server.TestServer.Response;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keys can do less than everything: read keys only read; only admin keys manage webhooks. */
class KeyScopesTest {
    static TestServer t;
    static String read;
    static String write;
    static String admin;

    @BeforeAll
    static void start() {
        t = TestServer.start();
        read = t.keys.create("reader", ApiKeys.Scope.READ);
        write = t.keys.create("writer");
        admin = t.keys.create("admin", ApiKeys.Scope.ADMIN);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static Response as(String key, String method, String path, String body) {
        return t.send(method, path, body, Map.of(), key);
    }

    @Test
    void aReadKey_reads_andIsForbiddenAnythingElse_writingNothing() {
        t.grant("scoped", "10.00");
        assertThat(as(read, "GET", "/v1/customers/scoped/wallets/credits", null).status())
                .isEqualTo(200);
        assertThat(as(read, "GET", "/v1/customers/scoped/transactions", null).status())
                .isEqualTo(200);
        Response spend = as(read, "POST", "/v1/customers/scoped/spend",
                "{\"credit_type\": \"credits\", \"amount\": \"1.00\"}");
        assertThat(spend.status()).isEqualTo(403);
        assertThat(spend.code()).isEqualTo("forbidden");
        assertThat(as(read, "POST", "/v1/customers/scoped/grants", "{\"credit_type\":"
                + " \"credits\", \"amount\": \"1.00\", \"source\": \"purchase\"}").status())
                .isEqualTo(403);
        assertThat(as(read, "PATCH", "/v1/customers/scoped/wallets/credits",
                "{\"overdraft_limit\": \"5.00\"}").status()).isEqualTo(403);
        assertThat(t.balance("scoped")).isEqualTo("10.00");
        // A write key spends; an admin key does everything.
        assertThat(as(write, "POST", "/v1/customers/scoped/spend",
                "{\"credit_type\": \"credits\", \"amount\": \"1.00\"}").status()).isEqualTo(201);
        assertThat(as(admin, "POST", "/v1/customers/scoped/spend",
                "{\"credit_type\": \"credits\", \"amount\": \"1.00\"}").status()).isEqualTo(201);
        assertThat(t.balance("scoped")).isEqualTo("8.00");
    }

    @Test
    void onlyAnAdminKey_managesWebhookEndpoints() {
        String body = "{\"url\": \"https://hooks.example.com/credits\", \"events\": [\"*\"]}";
        for (String key : new String[] {read, write}) {
            assertThat(as(key, "POST", "/v1/webhook-endpoints", body).code())
                    .isEqualTo("forbidden");
            assertThat(as(key, "GET", "/v1/webhook-endpoints", null).status()).isEqualTo(403);
            assertThat(as(key, "POST", "/v1/webhook-deliveries/whd_x/retry", null).status())
                    .isEqualTo(403);
        }
        assertThat(as(admin, "GET", "/v1/webhook-endpoints", null).json().get("data"))
                .isEmpty();
        // Past the scope check (the URL is then checked: here, without DNS, it cannot resolve).
        assertThat(as(admin, "POST", "/v1/webhook-endpoints", body).status()).isNotIn(401, 403);
        // The event feed is a read.
        assertThat(as(read, "GET", "/v1/events?limit=1", null).status()).isEqualTo(200);
        // The key of CREDITS_API_KEY is an admin key.
        assertThat(as(TestServer.KEY, "GET", "/v1/webhook-endpoints", null).status())
                .isEqualTo(200);
    }

    @Test
    void keysAreListedWithTheirScope_andABadScopeIsRefused() {
        assertThat(t.keys.list()).filteredOn(k -> k.name().equals("reader")).singleElement()
                .satisfies(k -> assertThat(k.scope()).isEqualTo(ApiKeys.Scope.READ));
        assertThat(t.keys.list()).filteredOn(k -> k.name().equals("writer")).singleElement()
                .satisfies(k -> assertThat(k.scope()).isEqualTo(ApiKeys.Scope.WRITE));
        assertThatThrownBy(() -> ApiKeys.Scope.parse("root"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(t.keys.revoke("reader")).isTrue();
        assertThat(as(read, "GET", "/v1/customers/scoped/wallets/credits", null).status())
                .isIn(200, 401); // the cache holds a second at most
    }
}
