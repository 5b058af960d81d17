package dev.credits.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.payments.Payments;
import dev.credits.payments.PaymentsConfig;
import dev.credits.plans.Catalog;
import dev.credits.plans.Plans;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.TestDatabase;
import dev.credits.webhooks.Webhooks;
import dev.credits.webhooks.WebhooksConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A real server on a free port over a fresh test database, and an HTTP client for it
 * ({@code java.net.http}). Requests carry {@link #KEY} unless told otherwise.
 */
public final class TestServer implements AutoCloseable {
    public static final String KEY = "test-key-for-the-server";
    static final ObjectMapper JSON = new ObjectMapper();

    public final PostgresLedger ledger;
    public final Credits credits;
    /** The JDBC URL of this server's own database. */
    public final String databaseUrl;
    public final ApiKeys keys;
    public final CreditsServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** What this server owns besides the ledger (payments, webhooks), closed after it stops. */
    private final List<AutoCloseable> owned = new java.util.ArrayList<>();
    /** The server's payments; null unless started with them. */
    public final Payments payments;

    private TestServer(PostgresLedger ledger, String databaseUrl, WebhooksConfig webhooks) {
        this.ledger = ledger;
        this.credits = ledger.credits();
        this.databaseUrl = databaseUrl;
        this.keys = new ApiKeys(ledger.dataSource(), KEY);
        this.payments = null;
        this.server = CreditsServer.start(ledger, keys, 0, Plans.open(credits,
                ledger.dataSource(), Catalog.empty()), webhooks);
    }

    private TestServer(PostgresLedger ledger, String databaseUrl, Catalog catalog,
                       PaymentsConfig paymentsConfig) {
        this(ledger, databaseUrl, catalog, paymentsConfig, CreditsServer.PortalOptions.DEFAULTS);
    }

    private TestServer(PostgresLedger ledger, String databaseUrl, Catalog catalog,
                       PaymentsConfig paymentsConfig, CreditsServer.PortalOptions portal) {
        this(ledger, databaseUrl, catalog, paymentsConfig, portal, HttpLimits.DEFAULTS);
    }

    private TestServer(PostgresLedger ledger, String databaseUrl, Catalog catalog,
                       PaymentsConfig paymentsConfig, CreditsServer.PortalOptions portal,
                       HttpLimits limits) {
        this.ledger = ledger;
        this.credits = ledger.credits();
        this.databaseUrl = databaseUrl;
        this.keys = new ApiKeys(ledger.dataSource(), KEY);
        Plans plans = Plans.open(credits, ledger.dataSource(), catalog);
        Webhooks webhooks = Webhooks.open(credits, ledger.backgroundDataSource(),
                WebhooksConfig.defaults().withPollIntervalMs(0));
        this.payments = paymentsConfig == null ? null : Payments.open(credits, plans,
                webhooks.autoTopups(), ledger.backgroundDataSource(), paymentsConfig);
        if (payments != null) {
            owned.add(payments);
        }
        owned.add(webhooks);
        owned.add(plans);
        this.server = CreditsServer.start(credits, keys, 0, plans, null, webhooks, payments,
                portal, limits);
    }

    /** A server with the HTTP limits given (rate limits, connections, protected operations). */
    public static TestServer startWithLimits(HttpLimits limits) {
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults());
        return new TestServer(PostgresLedger.open(config), config.databaseUrl(), Catalog.empty(),
                null, CreditsServer.PortalOptions.DEFAULTS, limits);
    }

    /** A server with {@code catalog} whose portal sells it in demo mode (no payment). */
    public static TestServer startDemo(Catalog catalog) {
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults());
        return new TestServer(PostgresLedger.open(config), config.databaseUrl(), catalog, null,
                new CreditsServer.PortalOptions(true, null));
    }

    /**
     * {@link #startDemo(Catalog)} on a test clock that starts at {@code clockStart}: move it with
     * {@code POST /v1/test-clock/advance} to write a history of weeks.
     */
    public static TestServer startDemo(Catalog catalog, java.time.Instant clockStart) {
        dev.credits.plans.TestClock clock = dev.credits.plans.TestClock.create();
        CreditsConfig config = TestDatabase.newConfig(clock, CreditTypes.defaults());
        PostgresLedger ledger = PostgresLedger.open(config);
        clock.attach(ledger.dataSource(), dev.credits.plans.TestClock.Mode.SIMULATED, clockStart);
        return new TestServer(ledger, config.databaseUrl(), catalog, null,
                new CreditsServer.PortalOptions(true, null));
    }

    /** The base URL of the server, e.g. {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /**
     * A server with {@code catalog} and Stripe payments as configured (null: none) on the
     * database of {@code config}; two of them on one config are two processes on one database.
     */
    public static TestServer startWithPayments(CreditsConfig config, Catalog catalog,
                                               PaymentsConfig payments) {
        return new TestServer(PostgresLedger.open(config), config.databaseUrl(), catalog,
                payments);
    }

    public static TestServer start() {
        return start(CreditTypes.defaults(), Clock.systemUTC());
    }

    public static TestServer start(CreditTypes types, Clock clock) {
        return start(types, clock, WebhooksConfig.defaults());
    }

    /** With webhooks as given (a receiver in the test needs private networks allowed). */
    public static TestServer start(CreditTypes types, Clock clock, WebhooksConfig webhooks) {
        CreditsConfig config = TestDatabase.newConfig(clock, types);
        return new TestServer(PostgresLedger.open(config), config.databaseUrl(), webhooks);
    }

    DataSource dataSource() {
        return ledger.dataSource();
    }

    /** A response: status, headers and body text, with the body as JSON on demand. */
    public record Response(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public String code() {
            return json().path("code").asText(null);
        }

        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Response get(String path) {
        return send("GET", path, null, Map.of(), KEY);
    }

    public Response post(String path, String body) {
        return send("POST", path, body, Map.of(), KEY);
    }

    public Response post(String path, String body, Map<String, String> headers) {
        return send("POST", path, body, headers, KEY);
    }

    /**
     * Any request; {@code key} null sends no Authorization header, {@code body} null none. A body
     * is sent as {@code application/json} unless {@code headers} name a Content-Type; the value
     * {@link #NO_CONTENT_TYPE} sends none.
     */
    public Response send(String method, String path, String body, Map<String, String> headers,
                         String key) {
        return sendBytes(method, path, body == null ? null
                : body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers, key);
    }

    /** Stands for "no Content-Type header" in a request's headers. */
    public static final String NO_CONTENT_TYPE = "<none>";

    /** {@link #send} with the body's bytes as they are. */
    public Response sendBytes(String method, String path, byte[] body,
                              Map<String, String> headers, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        boolean typed = headers.keySet().stream().anyMatch("Content-Type"::equalsIgnoreCase);
        if (body != null && !typed) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        headers.forEach((name, value) -> {
            if (!NO_CONTENT_TYPE.equals(value)) {
                request.header(name, value);
            }
        });
        try {
            HttpResponse<String> response = http.send(request.build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Grants {@code amount} credits of the default type; fails the test unless 201. */
    public JsonNode grant(String customer, String amount) {
        Response r = post("/v1/customers/" + customer + "/grants", "{\"credit_type\":\"credits\","
                + "\"amount\":\"" + amount + "\",\"source\":\"purchase\"}");
        if (r.status() != 201) {
            throw new AssertionError("grant failed: " + r);
        }
        return r.json();
    }

    public Response spend(String customer, String amount, Map<String, String> headers) {
        return post("/v1/customers/" + customer + "/spend",
                "{\"credit_type\":\"credits\",\"amount\":\"" + amount + "\"}", headers);
    }

    public String balance(String customer) {
        return get("/v1/customers/" + customer + "/wallets/credits").json().get("balance").asText();
    }

    @Override
    public void close() {
        server.stop();
        for (AutoCloseable part : owned) {
            try {
                part.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        ledger.close();
    }
}
