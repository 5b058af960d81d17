package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Grant;
import dev.credits.server.ApiKeys;
import dev.credits.server.TestServer;
import dev.credits.server.TestServer.Response;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route of the router × every way in without the right to it: no key, a malformed key, a
 * revoked key, a read key on a write route, a write key on an admin route, the portal without a
 * session or with another customer's form token, the console without a sign-in. Each is refused
 * with its status and code, and the database is byte for byte what it was. The routes are read
 * from the router: a route that fits none of the rows below fails the test until it gets one.
 */
class SecurityMatrixTest {
    /** Routes anyone may call: health, the operations pages (open by default), Stripe's. */
    static final Set<String> PUBLIC = Set.of("GET /health", "GET /metrics", "GET /openapi.json",
            "GET /docs", "GET /docs/{file}", "POST /v1/stripe/webhook");
    /** Portal routes that need no session: opening a link (its token is the credential), assets. */
    static final Set<String> PORTAL_OPEN = Set.of("GET /portal/s/{token}",
            "GET /portal/assets/{file}");
    /** The console's sign-in form and its page. */
    static final Set<String> CONSOLE_OPEN = Set.of("GET /admin", "POST /admin/sign-in");

    static TestServer t;
    static PortalHttp http;
    static String revoked;
    static String readKey;
    static String writeKey;

    @BeforeAll
    static void start() {
        t = TestServer.startDemo(PortalFixture.catalog());
        http = new PortalHttp(t);
        revoked = t.keys.create("revoked");
        t.keys.revoke("revoked");
        readKey = t.keys.create("reader", ApiKeys.Scope.READ);
        writeKey = t.keys.create("writer", ApiKeys.Scope.WRITE);
        t.credits.wallet("victim", "credits").grant(Grant.of("10.00").reason("victim-secret"));
        t.credits.wallet("intruder", "credits").grant(Grant.of("1.00"));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String concrete(String route) {
        return route.substring(route.indexOf(' ') + 1).replace("{customer}", "victim")
                .replace("{credit_type}", "credits").replace("{id}", "grt_x")
                .replace("{token}", "tok_x").replace("{file}", "x.js");
    }

    private static String method(String route) {
        return route.substring(0, route.indexOf(' '));
    }

    /** Every table's rows, hashed: what "nothing written" is checked against. */
    private static Map<String, String> snapshot() throws Exception {
        Map<String, String> tables = new TreeMap<>();
        try (Connection c = t.ledger.dataSource().getConnection();
             Statement st = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select table_name from information_schema.tables"
                    + " where table_schema = 'public' and table_type = 'BASE TABLE'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                try (ResultSet rs = st.executeQuery("select md5(coalesce(string_agg(x::text, '|'"
                        + " order by x::text), '')) from " + name + " x")) {
                    rs.next();
                    tables.put(name, rs.getString(1));
                }
            }
        }
        return tables;
    }

    @Test
    void everyApiRoute_refusesEachWrongCredential_andWritesNothing() throws Exception {
        Map<String, String> before = snapshot();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String route : t.server.routes()) {
            if (PUBLIC.contains(route) || !route.contains(" /v1/")) {
                continue;
            }
            String method = method(route);
            String path = concrete(route);
            String body = method.equals("GET") || method.equals("DELETE") ? null : "{}";
            Map<String, Map<String, String>> credentials = new LinkedHashMap<>();
            credentials.put("no key", Map.of());
            credentials.put("empty bearer", Map.of("Authorization", "Bearer "));
            credentials.put("basic", Map.of("Authorization", "Basic dXNlcjpwYXNz"));
            credentials.put("unknown key", Map.of("Authorization", "Bearer sk_not_a_key"));
            credentials.put("revoked key", Map.of("Authorization", "Bearer " + revoked));
            for (Map.Entry<String, Map<String, String>> c : credentials.entrySet()) {
                checked++;
                Response r = t.send(method, path, body, c.getValue(), null);
                if (r.status() != 401 || !"unauthorized".equals(r.code())) {
                    failures.add(route + " with " + c.getKey() + ": " + r);
                }
            }
            boolean admin = path.startsWith("/v1/webhook-endpoints")
                    || path.startsWith("/v1/webhook-deliveries");
            if (!method.equals("GET")) {
                checked++;
                Response r = t.send(method, path, body, Map.of(), readKey);
                if (r.status() != 403 || !"forbidden".equals(r.code())) {
                    failures.add(route + " with a read key: " + r);
                }
            }
            if (admin) {
                checked++;
                Response r = t.send(method, path, body, Map.of(), writeKey);
                if (r.status() != 403 || !"forbidden".equals(r.code())) {
                    failures.add(route + " with a write key: " + r);
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(checked).as("cases run").isGreaterThan(250);
        assertThat(snapshot()).as("not a row written").isEqualTo(before);
    }

    @Test
    void thePortal_withoutASession_orWithAnotherCustomersForm_isRefused() throws Exception {
        String intruder = http.open("intruder");
        String victim = http.open("victim");
        String victimsForm = PortalHttp.csrf(http.get("/portal/buy", victim).body());
        Map<String, String> before = snapshot();
        List<String> failures = new ArrayList<>();
        for (String route : t.server.routes()) {
            if (!route.contains(" /portal") || PORTAL_OPEN.contains(route)) {
                continue;
            }
            String path = concrete(route);
            boolean post = method(route).equals("POST");
            PortalHttp.Page bare = post ? http.post(path, null, Map.of("csrf", victimsForm))
                    : http.get(path, null);
            if (bare.status() != 401) {
                failures.add(route + " without a session: " + bare.status());
            }
            if (post) {
                PortalHttp.Page forged = http.post(path, intruder, Map.of("csrf", victimsForm,
                        "product", "pack_500", "locale", "de"));
                if (forged.status() != 403) {
                    failures.add(route + " with another customer's form: " + forged.status());
                }
            } else {
                PortalHttp.Page page = http.get(path, intruder);
                if (page.body().contains("victim")) {
                    failures.add(route + " shows another customer: " + page.status());
                }
            }
        }
        assertThat(failures).isEmpty();
        PortalHttp.Page forgedLink = http.get("/portal/s/" + "x".repeat(40), null);
        assertThat(forgedLink.status()).isEqualTo(401);
        assertThat(forgedLink.cookie()).isNull();
        assertThat(snapshot()).as("not a row written").isEqualTo(before);
    }

    @Test
    void theConsole_withoutASignIn_isRefused() throws Exception {
        Map<String, String> before = snapshot();
        List<String> failures = new ArrayList<>();
        for (String route : t.server.routes()) {
            if (!route.contains(" /admin") || CONSOLE_OPEN.contains(route)) {
                continue;
            }
            String path = concrete(route).replace("grt_x", "grt_x");
            PortalHttp.Page page = method(route).equals("POST")
                    ? http.post(path, null, Map.of("customer", "victim", "amount", "5.00",
                    "reason", "x", "form_key", "k1"))
                    : http.get(path + (path.endsWith("/customer") ? "?id=victim" : ""), null);
            if (page.status() != 401 || page.body().contains("victim-secret")) {
                failures.add(route + " without a sign-in: " + page.status());
            }
        }
        PortalHttp.Page badSignIn = http.post("/admin/sign-in", null, Map.of("key", revoked));
        assertThat(badSignIn.status()).isEqualTo(401);
        assertThat(badSignIn.cookie()).isNull();
        assertThat(failures).isEmpty();
        assertThat(snapshot()).as("not a row written").isEqualTo(before);
    }

    @Test
    void everyRouteOfTheRouter_hasItsRow() {
        Set<String> unclassified = new TreeSet<>();
        for (String route : t.server.routes()) {
            boolean known = PUBLIC.contains(route) || route.contains(" /v1/")
                    || route.contains(" /portal") || route.contains(" /admin");
            if (!known) {
                unclassified.add(route);
            }
        }
        assertThat(unclassified).as("give each new route its row in this test").isEmpty();
        assertThat(t.server.routes()).containsAll(PUBLIC).containsAll(PORTAL_OPEN)
                .containsAll(CONSOLE_OPEN);
    }
}
