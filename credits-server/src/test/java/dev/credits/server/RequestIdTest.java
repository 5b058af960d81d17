package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.TestServer.Response;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every response names its request in X-Request-Id: the client's own when sane, else new. */
class RequestIdTest {
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
    void everyAnswer_carriesARequestId_newWhenTheClientSentNone() {
        Set<String> seen = new HashSet<>();
        List<Response> answers = List.of(t.get("/v1/customers/rid/wallets/credits"),
                t.send("GET", "/v1/customers/rid/wallets/credits", null, Map.of(), null),
                t.get("/v1/no/such/route"), t.post("/v1/customers/rid/spend", "{"),
                t.get("/health"));
        for (Response r : answers) {
            String id = r.header("X-Request-Id");
            assertThat(id).as(r.toString()).startsWith("req_");
            assertThat(seen.add(id)).as("ids are unique").isTrue();
        }
        assertThat(answers.get(1).status()).isEqualTo(401);
        assertThat(answers.get(2).status()).isEqualTo(404);
    }

    @Test
    void aSaneClientId_isAnsweredBack_andAnInsaneOneIsReplaced() {
        assertThat(t.send("GET", "/v1/customers/rid/wallets/credits", null,
                Map.of("X-Request-Id", "trace-42.A_b"), TestServer.KEY).header("X-Request-Id"))
                .isEqualTo("trace-42.A_b");
        for (String insane : List.of("has space", "x".repeat(65), "semi;colon", "ü")) {
            String answered = t.send("GET", "/v1/customers/rid/wallets/credits", null,
                    Map.of("X-Request-Id", insane), TestServer.KEY).header("X-Request-Id");
            assertThat(answered).as(insane).startsWith("req_").isNotEqualTo(insane);
        }
    }
}
