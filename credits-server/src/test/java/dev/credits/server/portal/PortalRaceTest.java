package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.ApiKeys;
import dev.credits.server.TestServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The forms that move credits, sent many times at once: with one form key (a double submit, a
 * retry) they apply once; with a key each, once each. Whatever answers 503 is sent again.
 */
class PortalRaceTest {
    static final int THREADS = 16;
    static TestServer server;
    static PortalHttp web;
    static String console;

    @BeforeAll
    static void start() {
        server = TestServer.startDemo(PortalFixture.catalog());
        web = new PortalHttp(server);
        console = web.signIn(server.keys.create("race-operator", ApiKeys.Scope.WRITE));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Sends {@code THREADS} forms at once (the i-th from {@code form}); their statuses. */
    static List<Integer> race(String path, String cookie, IntFunction<Map<String, String>> form)
            throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                Map<String, String> f = form.apply(i);
                answers.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    return web.postRetrying(path, cookie, f).status();
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> a : answers) {
                statuses.add(a.get(60, TimeUnit.SECONDS));
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    static String key(int i) {
        return "frm_RACE" + String.format("%016d", i);
    }

    @Test
    void aPackBoughtSixteenTimesAtOnceWithOneFormKeyIsBoughtOnce() throws Exception {
        server.grant("racer_a", "1.00");
        String cookie = web.open("racer_a");
        String csrf = PortalHttp.csrf(web.get("/portal/buy", cookie).body());
        List<Integer> statuses = race("/portal/buy", cookie, i -> Map.of("product", "pack_500",
                "form_key", key(0), "csrf", csrf));
        assertThat(statuses).containsOnly(303);
        assertThat(server.balance("racer_a")).isEqualTo("501.00");
    }

    @Test
    void sixteenPurchasesAtOnceWithAKeyEachAreSixteen() throws Exception {
        server.grant("racer_b", "1.00");
        String cookie = web.open("racer_b");
        String csrf = PortalHttp.csrf(web.get("/portal/buy", cookie).body());
        List<Integer> statuses = race("/portal/buy", cookie, i -> Map.of("product", "pack_500",
                "form_key", key(100 + i), "csrf", csrf));
        assertThat(statuses).containsOnly(303);
        assertThat(server.balance("racer_b")).isEqualTo("8001.00");
    }

    @Test
    void aConsoleGrantAndAnAdjustmentSentSixteenTimesAtOnceApplyOnce() throws Exception {
        server.grant("racer_c", "1.00");
        String csrf = PortalHttp.csrf(web.get("/admin/customer?id=racer_c", console).body());
        Map<String, String> grant = Map.of("credit_type", "credits", "amount", "5.00",
                "source", "promotion", "reason", "goodwill", "form_key", key(200), "csrf", csrf);
        assertThat(race("/admin/grants", console, i -> PortalHttp.as("racer_c", grant))).containsOnly(303);
        assertThat(server.balance("racer_c")).isEqualTo("6.00");
        Map<String, String> adjust = Map.of("credit_type", "credits", "amount", "-2.00",
                "reason", "correction", "form_key", key(201), "csrf", csrf);
        assertThat(race("/admin/adjustments", console, i -> PortalHttp.as("racer_c", adjust)))
                .containsOnly(303);
        assertThat(server.balance("racer_c")).isEqualTo("4.00");
    }

    @Test
    void sixteenConsoleGrantsAtOnceWithAKeyEachAreSixteen() throws Exception {
        String csrf = PortalHttp.csrf(web.get("/admin/customer?id=racer_d", console).body());
        assertThat(race("/admin/grants", console, i -> Map.of("customer", "racer_d", "credit_type",
                "credits", "amount", "1.25", "source", "promotion", "reason", "goodwill",
                "form_key", key(300 + i), "csrf", csrf))).containsOnly(303);
        assertThat(server.balance("racer_d")).isEqualTo("20.00");
    }

    @Test
    void aGrantVoidedSixteenTimesAtOnceIsVoidedOnce() throws Exception {
        server.grant("racer_e", "3.00");
        String grant = server.grant("racer_e", "10.00").get("id").asText();
        String csrf = PortalHttp.csrf(web.get("/admin/customer?id=racer_e", console).body());
        Map<String, String> same = new LinkedHashMap<>(Map.of("customer", "racer_e", "reason",
                "mistake", "form_key", key(400), "csrf", csrf));
        assertThat(race("/admin/grants/" + grant + "/void", console, i -> same)).containsOnly(303);
        assertThat(server.balance("racer_e")).isEqualTo("3.00");
        // with a key each, the first voids and the others find it voided: refused, nothing more
        String second = server.grant("racer_e", "4.00").get("id").asText();
        List<Integer> statuses = race("/admin/grants/" + second + "/void", console,
                i -> Map.of("customer", "racer_e", "reason", "mistake", "form_key",
                        key(500 + i), "csrf", csrf));
        assertThat(statuses).contains(303).doesNotContain(500, 503);
        assertThat(server.balance("racer_e")).isEqualTo("3.00");
    }
}
