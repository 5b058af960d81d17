package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.ApiKeys;
import dev.credits.server.TestServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every input of the portal's and the console's pages and forms, with bad values: each answered
 * with a 4xx page (never a 5xx), and the wallet and its history as they were.
 */
class PortalInputTest {
    static TestServer server;
    static PortalHttp web;
    static String portal;
    static String console;

    @BeforeAll
    static void start() {
        server = TestServer.startDemo(PortalFixture.catalog());
        web = new PortalHttp(server);
        server.grant("ivy", "50.00");
        server.grant("other", "7.00");
        portal = web.open("ivy");
        console = web.signIn(server.keys.create("input-operator", ApiKeys.Scope.WRITE));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The wallet and the newest entries of its history, to compare before and after. */
    static String state(String customer) {
        return server.balance(customer) + " " + server.get("/v1/customers/" + customer
                + "/transactions?limit=500").body();
    }

    @Test
    void badQueriesOfThePortalAre400PagesWithNoData() {
        for (String path : List.of("/portal/history?credit_type=nope",
                "/portal/history?cursor=garbage", "/portal/history?group=none&cursor=x.y.z",
                "/portal/history?credit_type=%00")) {
            PortalHttp.Page page = web.get(path, portal);
            assertThat(page.status()).as(path).isEqualTo(400);
            assertThat(page.body()).as(path).doesNotContain("50.00");
        }
        assertThat(web.get("/portal/assets/../../etc/passwd", portal).status()).isEqualTo(404);
        assertThat(web.get("/portal/assets/nope.js", portal).status()).isEqualTo(404);
        assertThat(web.get("/portal/nope", portal).status()).isEqualTo(404);
        // unknown spans and groupings fall back to the defaults
        assertThat(web.get("/portal/usage?days=7", portal).status()).isEqualTo(200);
        assertThat(web.get("/portal/history?group=weekly", portal).status()).isEqualTo(200);
    }

    @Test
    void badPortalFormsWriteNothing() {
        String before = state("ivy");
        String body = web.get("/portal/buy", portal).body();
        String csrf = PortalHttp.csrf(body);
        String key = PortalHttp.formKey(body);
        List<Map<String, String>> bad = List.of(
                Map.of("csrf", csrf, "form_key", key),
                Map.of("csrf", csrf, "form_key", key, "product", "no_such_pack"),
                Map.of("csrf", csrf, "product", "pack_500"),
                Map.of("csrf", csrf, "form_key", "frm_short", "product", "pack_500"),
                Map.of("csrf", csrf, "form_key", "not-a-key-at-all", "product", "pack_500"),
                Map.of("csrf", csrf, "form_key", "frm_" + "A".repeat(65), "product", "pack_500"));
        for (Map<String, String> form : bad) {
            assertThat(web.post("/portal/buy", portal, form).status()).as(form.toString())
                    .isEqualTo(400);
        }
        for (String locale : List.of("fr", "", "en-US", "DE")) {
            assertThat(web.post("/portal/locale", portal, Map.of("csrf", csrf, "locale",
                    locale)).status()).as(locale).isEqualTo(400);
        }
        assertThat(state("ivy")).isEqualTo(before);
    }

    @Test
    void theLocaleFormSendsTheBrowserBackWithinThePortalOnly() {
        String csrf = PortalHttp.csrf(web.get("/portal", portal).body());
        for (String back : List.of("https://evil.example.com/", "//evil.example.com/portal",
                "/\\evil.example.com", "/admin", "/portal" + "x".repeat(600))) {
            PortalHttp.Page page = web.post("/portal/locale", portal, Map.of("csrf", csrf,
                    "locale", "en", "back", back));
            assertThat(page.status()).isEqualTo(303);
            assertThat(page.location()).as(back).isEqualTo("/portal");
        }
        assertThat(web.post("/portal/locale", portal, Map.of("csrf", csrf, "locale", "en",
                "back", "/portal/history")).location()).isEqualTo("/portal/history");
    }

    @Test
    void badConsoleFormsShowTheErrorAndWriteNothing() {
        String before = state("ivy");
        String otherBefore = state("other");
        String page = web.get("/admin/customer?id=ivy", console).body();
        Map<String, String> good = Map.of("credit_type", "credits", "amount", "5.00",
                "source", "promotion", "reason", "goodwill", "form_key",
                PortalHttp.formKey(page), "csrf", PortalHttp.csrf(page));
        List<Map<String, String>> badGrants = List.of(
                with(good, "amount", "abc"), with(good, "amount", "1.001"),
                with(good, "amount", "0"), with(good, "amount", "-5"),
                with(good, "amount", "99999999999999999999"), with(good, "amount", ""),
                with(good, "credit_type", "gold"), with(good, "credit_type", ""),
                with(good, "source", "gift"), with(good, "expires_on", "tomorrow"),
                with(good, "expires_on", "2020-13-01"), with(good, "reason", ""),
                with(good, "expires_on", "+999999999-12-31"), with(good, "expires_on", "9999-12-31"),
                with(good, "expires_on", "2001-01-01"),
                with(good, "reason", "x".repeat(PortalPages.REASON_LENGTH_MAX + 1)),
                with(good, "form_key", "frm_x"), without(good, "form_key"));
        for (Map<String, String> form : badGrants) {
            PortalHttp.Page answer = web.post("/admin/grants", console,
                    PortalHttp.as("ivy", form));
            assertThat(answer.status()).as(form.toString()).isBetween(400, 422);
            if (answer.status() == 422) {
                assertThat(answer.body()).contains("notice error");
            }
        }
        for (Map<String, String> form : List.of(with(good, "amount", "0"),
                with(good, "amount", "x"), without(good, "reason"))) {
            assertThat(web.post("/admin/adjustments", console, PortalHttp.as("ivy", form)).status())
                    .as(form.toString()).isEqualTo(422);
        }
        assertThat(web.post("/admin/grants", console, PortalHttp.as("bad id", good)).status())
                .isEqualTo(400);
        String otherGrant = server.get("/v1/customers/other/grants").json().get("data").get(0)
                .get("id").asText();
        Map<String, String> voidForm = new LinkedHashMap<>(Map.of("customer", "ivy", "reason",
                "mistake", "form_key", PortalHttp.formKey(page), "csrf", PortalHttp.csrf(page)));
        assertThat(web.post("/admin/grants/" + otherGrant + "/void", console, voidForm).status())
                .as("another customer's grant").isEqualTo(422);
        assertThat(web.post("/admin/grants/grt_nope/void", console, voidForm).status())
                .isEqualTo(422);
        String ivyGrant = server.get("/v1/customers/ivy/grants").json().get("data").get(0)
                .get("id").asText();
        assertThat(web.post("/admin/grants/" + ivyGrant + "/void", console,
                without(voidForm, "reason")).status()).isEqualTo(422);
        assertThat(web.post("/admin/grants/" + ivyGrant + "/void", console,
                without(voidForm, "customer")).status()).isEqualTo(400);
        assertThat(state("ivy")).isEqualTo(before);
        assertThat(state("other")).isEqualTo(otherBefore);
    }

    @Test
    void badConsoleQueriesAre4xxPages() {
        assertThat(web.get("/admin/customer?id=bad%20id", console).status()).isEqualTo(404);
        assertThat(web.get("/admin/customer?id=ivy&cursor=garbage", console).status())
                .isEqualTo(400);
        assertThat(web.get("/admin?q=" + "x".repeat(200), console).status()).isEqualTo(200);
        assertThat(web.get("/admin?q=%25", console).status()).isEqualTo(200);
        assertThat(web.post("/admin/sign-in", null, Map.of("key", "k".repeat(
                Console.KEY_LENGTH_MAX + 1))).status()).isEqualTo(401);
        assertThat(web.post("/admin/sign-in", null, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void theConsoleSignInRefusesAFormFromAnotherSite() {
        String key = server.keys.create("origin-operator", ApiKeys.Scope.WRITE);
        String host = java.net.URI.create(server.baseUrl()).getAuthority();
        for (Map<String, String> headers : List.of(Map.of("Origin", "https://evil.example.com"),
                Map.of("Origin", "null"), Map.of("Sec-Fetch-Site", "cross-site"),
                Map.of("Sec-Fetch-Site", "same-site"),
                Map.of("Origin", "http://" + host, "Sec-Fetch-Site", "cross-site"))) {
            PortalHttp.Page page = web.post("/admin/sign-in", null, Map.of("key", key), headers);
            assertThat(page.status()).as(headers.toString()).isEqualTo(403);
            assertThat(page.cookie()).isNull();
        }
        for (Map<String, String> headers : List.of(Map.<String, String>of(),
                Map.of("Origin", "http://" + host, "Sec-Fetch-Site", "same-origin"),
                Map.of("Origin", "null", "Sec-Fetch-Site", "same-origin"),
                Map.of("Origin", "http://" + host), Map.of("Sec-Fetch-Site", "none"))) {
            assertThat(web.post("/admin/sign-in", null, Map.of("key", key), headers).status())
                    .as(headers.toString()).isEqualTo(303);
        }
    }

    @Test
    void aCustomerWhoseIdIsDotsHasAConsolePage() {
        for (String id : List.of("..", ".", "a.b@c:d")) {
            server.grant(id, "3.00");
            PortalHttp.Page found = web.get("/admin?q=" + java.net.URLEncoder.encode(id,
                    java.nio.charset.StandardCharsets.UTF_8), console);
            assertThat(found.body()).contains("/admin/customer?id=" + id.replace("@", "@"));
            PortalHttp.Page page = web.get("/admin/customer?id=" + java.net.URLEncoder.encode(id,
                    java.nio.charset.StandardCharsets.UTF_8), console);
            assertThat(page.status()).as(id).isEqualTo(200);
            assertThat(page.body()).contains("3.00");
        }
    }

    @Test
    void portalPagesThatFailAreHtmlPagesNotJson() {
        PortalHttp.Page page = web.get("/portal/history?cursor=9~nope", portal);
        assertThat(page.status()).isEqualTo(400);
        assertThat(page.body()).startsWith("<!DOCTYPE html>");
        PortalHttp.Page unknown = web.get("/admin/nothing-here", console);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).startsWith("<!DOCTYPE html>");
        assertThat(web.get("/portal", portal).body())
                .contains("name=\"back\" value=\"/portal\"");
        assertThat(web.get("/portal/history?group=none", portal).body())
                .contains("name=\"back\" value=\"/portal/history?group=none\"");
    }

    static Map<String, String> with(Map<String, String> form, String field, String value) {
        Map<String, String> out = new LinkedHashMap<>(form);
        out.put(field, value);
        return out;
    }

    static Map<String, String> without(Map<String, String> form, String field) {
        Map<String, String> out = new LinkedHashMap<>(form);
        out.remove(field);
        return out;
    }
}
