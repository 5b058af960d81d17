package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.server.ApiKeys.ApiKey;
import dev.credits.server.TestServer.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuthTest {
    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Response wallet(String key) {
        return t.send("GET", "/v1/customers/auth_1/wallets/credits", null, Map.of(), key);
    }

    @Test
    void createdKey_works_untilRevoked() throws Exception {
        String secret = t.keys.create("billing-portal");
        assertThat(secret).startsWith("sk_").hasSizeGreaterThan(40);
        Thread.sleep(ApiKeys.CACHE_TTL_MS + 200);
        assertThat(wallet(secret).status()).isEqualTo(200);
        assertThat(t.keys.revoke("billing-portal")).isTrue();
        Thread.sleep(ApiKeys.CACHE_TTL_MS + 200);
        Response refused = wallet(secret);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.code()).isEqualTo("unauthorized");
        assertThat(t.keys.revoke("billing-portal")).isFalse();
    }

    @Test
    void keys_areListedWithoutSecrets_andRevocableById() {
        String secret = t.keys.create("reporting");
        List<ApiKey> keys = t.keys.list();
        ApiKey key = keys.stream().filter(k -> k.name().equals("reporting")).findFirst()
                .orElseThrow();
        assertThat(key.id()).startsWith("key_");
        assertThat(key.revoked()).isFalse();
        assertThat(key.toString()).doesNotContain(secret);
        assertThat(t.keys.isValid(secret)).isTrue();
        assertThat(t.keys.revoke(key.id())).isTrue();
        assertThat(t.keys.isValid(secret)).isFalse();
        assertThat(t.keys.list()).anyMatch(k -> k.id().equals(key.id()) && k.revoked());
    }

    @Test
    void secrets_areStoredOnlyAsHashes() throws Exception {
        String secret = t.keys.create("hashed");
        try (var c = t.dataSource().getConnection();
             var rs = c.createStatement().executeQuery("select hash from api_keys")) {
            while (rs.next()) {
                assertThat(rs.getString(1)).hasSize(64).doesNotContain(secret.substring(3));
            }
        }
    }

    @Test
    void duplicateActiveName_isRefused() {
        t.keys.create("twice");
        assertThatThrownBy(() -> t.keys.create("twice"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.keys.create(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingOrMalformedAuthorization_is401() {
        assertThat(wallet(null).status()).isEqualTo(401);
        assertThat(wallet("").status()).isEqualTo(401);
        assertThat(wallet("x" + TestServer.KEY).status()).isEqualTo(401);
        Response basic = t.send("GET", "/v1/credit-types", null,
                Map.of("Authorization", TestServer.KEY), null);
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void environmentKey_isAccepted_andOperationsNeedNoKey() {
        assertThat(wallet(TestServer.KEY).status()).isEqualTo(200);
        for (String path : List.of("/health", "/metrics", "/openapi.json", "/docs")) {
            assertThat(t.send("GET", path, null, Map.of(), null).status()).as(path).isEqualTo(200);
        }
    }
}
