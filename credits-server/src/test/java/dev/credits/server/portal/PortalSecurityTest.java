package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.ApiKeys;
import dev.credits.server.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The portal and the console over plain HTTP: every way in without the right session is refused
 * with nothing written, and each page shows only its session's customer.
 */
class PortalSecurityTest {
    static TestServer server;
    static PortalHttp web;

    @BeforeAll
    static void start() {
        server = TestServer.startDemo(PortalFixture.catalog());
        server.grant("alice", "111.11");
        server.grant("bob", "222.22");
        web = new PortalHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static PortalHttp.Page get(String path, String cookie) {
        return web.get(path, cookie);
    }

    static PortalHttp.Page post(String path, String cookie, Map<String, String> form) {
        return web.post(path, cookie, form);
    }

    static String open(String customer) {
        return web.open(customer);
    }

    static String csrf(String body) {
        return PortalHttp.csrf(body);
    }

    static String formKey(String body) {
        return PortalHttp.formKey(body);
    }

    @Test
    void aLinkSetsAStrictHttpOnlyCookieAndPagesAreNotCachedOrFramed() {
        String url = PortalFixture.link(server, "alice");
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).GET().build();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(cookie).contains("HttpOnly", "SameSite=Strict", "Path=/portal");
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("script-src 'self'", "frame-ancestors 'none'");
            assertThat(r.body()).contains("111.11");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anExpiredLinkShowsNoData() {
        PortalSessions past = new PortalSessions(server.keys.dataSource(), Clock.fixed(
                Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC));
        String token = past.createPortal("alice", null, null).linkToken();
        PortalHttp.Page page = get("/portal/s/" + token, null);
        assertThat(page.status()).isEqualTo(401);
        assertThat(page.cookie()).isNull();
        assertThat(page.body()).doesNotContain("111.11").contains("expired");
    }

    @Test
    void sessionsExpiredADayAgoAreDeleted() {
        PortalSessions old = new PortalSessions(server.keys.dataSource(), Clock.fixed(
                Instant.now().minus(PortalSessions.KEPT_AFTER_EXPIRY).minus(Duration.ofHours(2)),
                ZoneOffset.UTC));
        String token = old.createPortal("alice", null, null).linkToken();
        String live = URI.create(PortalFixture.link(server, "alice")).getPath();
        assertThat(new PortalSessions(server.keys.dataSource()).deleteExpired())
                .isGreaterThanOrEqualTo(1);
        assertThat(get("/portal/s/" + token, null).status()).isEqualTo(401);
        assertThat(get(live, null).status()).isEqualTo(200);
    }

    @Test
    void aTamperedLinkShowsNoData() {
        String token = URI.create(PortalFixture.link(server, "alice")).getPath()
                .substring("/portal/s/".length());
        String[] parts = token.split("\\.");
        String otherSession = URI.create(PortalFixture.link(server, "bob")).getPath()
                .substring("/portal/s/".length()).split("\\.")[0];
        char last = parts[2].charAt(parts[2].length() - 1);
        List<String> tampered = List.of(
                parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 1)
                        + (last == 'A' ? 'B' : 'A'),
                otherSession + "." + parts[1] + "." + parts[2],
                parts[0] + ".psk_unknown." + parts[2],
                parts[0] + "." + parts[1],
                "garbage");
        for (String t : tampered) {
            PortalHttp.Page page = get("/portal/s/" + t, null);
            assertThat(page.status()).as(t).isEqualTo(401);
            assertThat(page.cookie()).isNull();
            assertThat(page.body()).doesNotContain("111.11").doesNotContain("222.22");
        }
    }

    @Test
    void aLinkTokenIsNotACookieAndNoCookieIsNoSession() {
        String token = URI.create(PortalFixture.link(server, "alice")).getPath()
                .substring("/portal/s/".length());
        for (String page : List.of("", "/history", "/usage", "/grants", "/buy", "/subscription")) {
            assertThat(get("/portal" + page, Portal.COOKIE + "=" + token).status()).isEqualTo(401);
            assertThat(get("/portal" + page, null).status()).isEqualTo(401);
        }
    }

    @Test
    void aSessionOfAliceShowsOnlyAliceWhateverTheQuerySays() {
        String alice = open("alice");
        for (String page : List.of("?customer_id=bob", "/history?customer=bob",
                "/grants?customer_id=bob", "/usage?customer_id=bob")) {
            PortalHttp.Page p = get("/portal" + page, alice);
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.body()).doesNotContain("222.22");
        }
        assertThat(get("/portal", alice).body()).contains("111.11");
    }

    @Test
    void formsWithoutTheirTokenOrWithAnotherSessionsTokenWriteNothing() {
        String alice = open("alice");
        String bob = open("bob");
        String bobsToken = csrf(get("/portal/buy", bob).body());
        String formKey = formKey(get("/portal/buy", alice).body());
        Map<String, String> noToken = Map.of("product", "pack_500", "form_key", formKey);
        assertThat(post("/portal/buy", alice, noToken).status()).isEqualTo(403);
        Map<String, String> bobs = new LinkedHashMap<>(noToken);
        bobs.put("csrf", bobsToken);
        assertThat(post("/portal/buy", alice, bobs).status()).isEqualTo(403);
        assertThat(post("/portal/buy", null, bobs).status()).isEqualTo(401);
        assertThat(post("/portal/locale", alice, Map.of("locale", "de")).status())
                .isEqualTo(403);
        assertThat(server.balance("alice")).isEqualTo("111.11");
        assertThat(server.balance("bob")).isEqualTo("222.22");
    }

    @Test
    void aDoubleSubmittedPurchaseBuysOnce() {
        server.grant("erin", "1.00");
        String erin = open("erin");
        String body = get("/portal/buy", erin).body();
        Map<String, String> form = Map.of("product", "pack_500", "form_key", formKey(body),
                "csrf", csrf(body));
        PortalHttp.Page first = post("/portal/buy", erin, form);
        PortalHttp.Page second = post("/portal/buy", erin, form);
        assertThat(first.status()).isEqualTo(303);
        assertThat(second.status()).isEqualTo(303);
        assertThat(server.balance("erin")).isEqualTo("501.00");
        assertThat(post("/portal/buy", erin, Map.of("product", "no_such_pack", "form_key",
                formKey(body), "csrf", csrf(body))).status()).isEqualTo(400);
        assertThat(server.balance("erin")).isEqualTo("501.00");
    }

    @Test
    void theConsoleWithoutSigningInShowsNothingAndWritesNothing() {
        assertThat(get("/admin", null).body()).contains("name=\"key\"").doesNotContain("alice");
        assertThat(get("/admin/customer?id=alice", null).status()).isEqualTo(401);
        assertThat(get("/admin/customer?id=alice", null).body()).doesNotContain("111.11");
        Map<String, String> grant = Map.of("credit_type", "credits", "amount", "5",
                "source", "promotion", "reason", "x", "form_key", "frm_AAAAAAAAAAAAAAAA");
        assertThat(post("/admin/grants", null, PortalHttp.as("alice", grant)).status()).isEqualTo(401);
        assertThat(post("/admin/sign-in", null, Map.of("key", "sk_wrong")).status())
                .isEqualTo(401);
        assertThat(server.balance("alice")).isEqualTo("111.11");
    }

    @Test
    void aSignedInOperatorGrantsOnceHoweverOftenTheFormIsSent() {
        String key = server.keys.create("console-twice", ApiKeys.Scope.WRITE);
        PortalHttp.Page signIn = post("/admin/sign-in", null, Map.of("key", key));
        assertThat(signIn.status()).isEqualTo(303);
        String cookie = signIn.cookie();
        assertThat(cookie).startsWith(Console.COOKIE + "=");
        server.grant("frank", "1.00");
        String body = get("/admin/customer?id=frank", cookie).body();
        Map<String, String> grant = new LinkedHashMap<>(Map.of("credit_type", "credits",
                "amount", "5.00", "source", "promotion", "reason", "goodwill",
                "form_key", formKey(body)));
        assertThat(post("/admin/grants", cookie, PortalHttp.as("frank", grant)).status())
                .as("without the form token").isEqualTo(403);
        grant.put("csrf", csrf(body));
        assertThat(post("/admin/grants", cookie, PortalHttp.as("frank", grant)).status()).isEqualTo(303);
        assertThat(post("/admin/grants", cookie, PortalHttp.as("frank", grant)).status()).isEqualTo(303);
        assertThat(server.balance("frank")).isEqualTo("6.00");
        grant.put("amount", "-3");
        assertThat(post("/admin/grants", cookie, PortalHttp.as("frank", grant)).status())
                .as("a negative grant").isEqualTo(422);
        assertThat(server.balance("frank")).isEqualTo("6.00");
        String reasonless = get("/admin/customer?id=frank", cookie).body();
        assertThat(post("/admin/adjustments", cookie, Map.of("customer", "frank", "credit_type",
                "credits", "amount", "-1.00", "form_key", formKey(reasonless), "csrf",
                csrf(reasonless))).status()).as("an adjustment without a reason").isEqualTo(422);
        assertThat(server.balance("frank")).isEqualTo("6.00");

        server.keys.revoke("console-twice");
        try {
            Thread.sleep(ApiKeys.CACHE_TTL_MS + 100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(get("/admin/customer?id=frank", cookie).status()).as("a revoked key")
                .isEqualTo(401);
    }

    @Test
    void aReadKeyMayLookButNotWriteAndSigningOutEndsTheSession() {
        String key = server.keys.create("console-reader", ApiKeys.Scope.READ);
        String cookie = post("/admin/sign-in", null, Map.of("key", key)).cookie();
        PortalHttp.Page page = get("/admin/customer?id=bob", cookie);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("222.22").doesNotContain("id=\"grant-form\"");
        assertThat(post("/admin/adjustments", cookie, Map.of("customer", "bob", "credit_type",
                "credits", "amount", "-1.00", "reason", "x", "form_key", "frm_BBBBBBBBBBBBBBBB",
                "csrf", csrf(page.body()))).status()).isEqualTo(403);
        assertThat(server.balance("bob")).isEqualTo("222.22");
        assertThat(post("/admin/sign-out", cookie, Map.of("csrf", csrf(page.body()))).status())
                .isEqualTo(303);
        assertThat(get("/admin/customer?id=bob", cookie).status()).isEqualTo(401);
    }

    @Test
    void portalSessionsRefuseBadInputAndKeysThatMayNot() {
        assertThat(server.send("POST", "/v1/portal-sessions", "{\"customer_id\":\"alice\"}",
                Map.of(), null).status()).isEqualTo(401);
        String reader = server.keys.create("portal-reader", ApiKeys.Scope.READ);
        assertThat(server.send("POST", "/v1/portal-sessions", "{\"customer_id\":\"alice\"}",
                Map.of(), reader).code()).isEqualTo("forbidden");
        for (String body : List.of("{}", "{\"customer_id\":\"bad id\"}",
                "{\"customer_id\":\"alice\",\"locale\":\"fr\"}",
                "{\"customer_id\":\"alice\",\"return_url\":\"javascript:alert(1)\"}",
                "{\"customer_id\":\"alice\",\"extra\":1}", "{\"customer_id\":7}",
                "{\"customer_id\":\"alice\",\"return_url\":\"https://x.example/"
                        + "a".repeat(PortalSessions.RETURN_URL_LENGTH_MAX) + "\"}",
                "{\"customer_id\":\"alice\",\"return_url\":\"https:///nohost\"}",
                "{\"customer_id\":\"alice\",\"return_url\":\"not a url\"}")) {
            TestServer.Response r = server.post("/v1/portal-sessions", body);
            assertThat(r.status()).as(body).isBetween(400, 422);
        }
        TestServer.Response ok = server.post("/v1/portal-sessions",
                "{\"customer_id\":\"alice\",\"locale\":\"de\",\"return_url\":\"https://app.example.com/\"}");
        assertThat(ok.status()).isEqualTo(201);
        assertThat(ok.json().get("id").asText()).startsWith("pts_");
        assertThat(Instant.parse(ok.json().get("expires_at").asText()))
                .isBetween(Instant.now().plus(Duration.ofMinutes(59)),
                        Instant.now().plus(Duration.ofMinutes(61)));
        PortalHttp.Page page = get(URI.create(ok.json().get("url").asText()).getPath(), null);
        assertThat(page.body()).contains("lang=\"de\"", "https://app.example.com/");
    }

    @Test
    void aRotatedKeySignsNewLinksAndOldOnesStillOpenUntilTheyExpire() {
        String before = PortalFixture.link(server, "alice");
        String newKey = new PortalSessions(server.keys.dataSource()).rotateKey();
        try {
            Thread.sleep(1_100); // the server's key cache
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String after = PortalFixture.link(server, "alice");
        assertThat(after).contains("." + newKey + ".");
        assertThat(before).doesNotContain(newKey);
        assertThat(get(URI.create(before).getPath(), null).status()).isEqualTo(200);
        assertThat(get(URI.create(after).getPath(), null).status()).isEqualTo(200);
    }

    @Test
    void theCatalogIsListed() {
        TestServer.Response plans = server.get("/v1/plans");
        assertThat(plans.status()).isEqualTo(200);
        assertThat(plans.json().get("data").get(0).get("id").asText()).isEqualTo("pro");
        assertThat(plans.json().get("data").get(0).get("provides_monthly").get(0).get("amount")
                .asText()).isEqualTo("1000.00");
        TestServer.Response products = server.get("/v1/products");
        assertThat(products.json().get("data").get(0).get("price").get("amount").asText())
                .isEqualTo("9.00");
        assertThat(server.send("GET", "/v1/plans", null, Map.of(), null).status())
                .isEqualTo(401);
        assertThat(server.grant("gina", "1.00").get("created_at").asText()).isNotEmpty();
    }
}
