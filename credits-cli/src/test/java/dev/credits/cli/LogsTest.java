package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CREDITS_LOG_FORMAT=json} makes {@code serve} write one JSON object per line (as
 * {@code --log-format json} does), a request's lines name its
 * {@code X-Request-Id}, and no secret the server holds or is sent ever reaches its output: the
 * database password, API keys (the environment's, a created one, wrong ones), webhook signing
 * secrets (made and rotated), the Stripe keys, a portal link's token.
 */
class LogsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final String DATABASE_PASSWORD = "db-pass-9f3c1e77";
    static final String STRIPE_SECRET_KEY = "sk_test_logs51d0c0ffee4242";
    static final String STRIPE_WEBHOOK_SECRET = "whsec_logs7e57c0ffee";
    static final String WRONG_KEY = "sk_wrong_logs_3c9d2b";
    static final String REQUEST_ID = "logs-test-request-0001";
    static final int SIGN_IN_FAILURES = 10;

    @Test
    void jsonLines_nameTheirRequest_andNoSecretIsEverWritten(@TempDir Path dir) throws Exception {
        String url = TestDatabase.newDatabaseUrl() + "?user=" + TestDatabase.user()
                + "&password=" + DATABASE_PASSWORD;
        Path config = dir.resolve("credits.yml");
        Files.writeString(config, """
                webhooks:
                  allow_private_networks: true
                stripe:
                  secret_key: ${STRIPE_SECRET_KEY}
                  webhook_secret: ${STRIPE_WEBHOOK_SECRET}
                """);
        Cli cli = new Cli("--database-url", url);
        // JSON from the environment: the shipped logback.xml reads CREDITS_LOG_FORMAT.
        Map<String, String> environment = Map.of("STRIPE_SECRET_KEY", STRIPE_SECRET_KEY,
                "STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET, "CREDITS_LOG_FORMAT", "json");
        List<String> secrets = new ArrayList<>(List.of(DATABASE_PASSWORD, STRIPE_SECRET_KEY,
                STRIPE_WEBHOOK_SECRET, WRONG_KEY, ServerProcess.API_KEY));
        String output;
        try (ServerProcess server = ServerProcess.start(environment, "--database-url", url,
                "--config", config.toString()).awaitReady()) {
            Cli.Result created = cli.run("keys", "create", "--name", "logs-app");
            assertThat(created.exitCode()).as(created.err()).isZero();
            String key = created.out().trim();
            secrets.add(key);
            secrets.addAll(exercise(server.baseUrl(), key));
            server.stop();
            output = server.output();
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.lines().toList()) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        assertThat(lines).as(output).isNotEmpty();
        assertThat(lines).allSatisfy(line -> assertThat(line.has("time") && line.has("level")
                && line.has("logger") && line.has("message")).as(line.toString()).isTrue());
        assertThat(lines.stream().filter(l -> l.path("message").asText()
                .startsWith("database: PostgreSQL")).toList()).as(output).hasSize(1);
        JsonNode limited = lines.stream().filter(l -> l.path("message").asText()
                .startsWith("console sign-in from")).findFirst().orElseThrow(
                        () -> new AssertionError("no sign-in limit line in\n" + output));
        assertThat(limited.path("request_id").asText()).isEqualTo(REQUEST_ID);
        assertThat(limited.path("level").asText()).isEqualTo("WARN");
        for (String secret : secrets) {
            assertThat(output).as("the server's output holds a secret").doesNotContain(secret);
        }
    }

    /** Requests that carry or make secrets; returns the secrets they made. */
    private static List<String> exercise(String base, String key) throws Exception {
        List<String> made = new ArrayList<>();
        assertThat(send(base, "POST", "/v1/customers/ada/grants", key, "{\"credit_type\":"
                + "\"credits\",\"amount\":\"5.00\",\"source\":\"purchase\"}").statusCode())
                .isEqualTo(201);
        assertThat(send(base, "GET", "/v1/customers/ada/wallets/credits", WRONG_KEY, null)
                .statusCode()).isEqualTo(401);
        JsonNode endpoint = JSON.readTree(send(base, "POST", "/v1/webhook-endpoints",
                ServerProcess.API_KEY, "{\"url\":\"http://127.0.0.1:9/hook\","
                        + "\"events\":[\"*\"]}").body());
        made.add(endpoint.path("secret").asText());
        JsonNode rotated = JSON.readTree(send(base, "POST", "/v1/webhook-endpoints/"
                + endpoint.path("id").asText() + "/rotate-secret", ServerProcess.API_KEY, "{}")
                .body());
        made.add(rotated.path("secret").asText());
        JsonNode portal = JSON.readTree(send(base, "POST", "/v1/portal-sessions", key,
                "{\"customer_id\":\"ada\"}").body());
        String link = portal.path("url").asText();
        made.add(link.substring(link.lastIndexOf('/') + 1));
        HttpResponse<String> opened = HTTP.send(HttpRequest.newBuilder(URI.create(link)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(opened.statusCode()).isIn(200, 302, 303);
        HttpResponse<String> stripe = HTTP.send(HttpRequest.newBuilder(URI.create(base
                        + "/v1/stripe/webhook")).header("Stripe-Signature", "t=1,v1=00")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"evt_1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stripe.statusCode()).isBetween(400, 499);
        for (int i = 0; i < SIGN_IN_FAILURES; i++) {
            HttpResponse<String> signIn = HTTP.send(HttpRequest.newBuilder(URI.create(base
                            + "/admin/sign-in"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Request-Id", REQUEST_ID)
                    .POST(HttpRequest.BodyPublishers.ofString("key=" + WRONG_KEY + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).isEqualTo(401);
        }
        assertThat(made).allSatisfy(secret -> assertThat(secret).hasSizeGreaterThan(8));
        return made;
    }

    private static HttpResponse<String> send(String base, String method, String path, String key,
                                             String json) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + key);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
