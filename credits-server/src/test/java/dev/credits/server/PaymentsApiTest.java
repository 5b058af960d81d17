package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditsConfig;
import dev.credits.payments.FakeStripe;
import dev.credits.payments.PaymentsConfig;
import dev.credits.payments.PaymentsFixture;
import dev.credits.payments.StripeEventBuilder;
import dev.credits.server.TestServer.Response;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checkout sessions and the Stripe webhook over HTTP, against the fake Stripe API. */
class PaymentsApiTest {
    static final String CHECKOUT = "{\"product\": \"pack_small\", \"quantity\": 2,"
            + " \"success_url\": \"https://app.example/ok\","
            + " \"cancel_url\": \"https://app.example/cancel\"}";
    static FakeStripe stripe;
    static CreditsConfig config;
    static TestServer t;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        config = TestDatabase.newConfig(MutableClock.at("2026-12-01T10:00:00Z"),
                PaymentsFixture.TYPES);
        t = TestServer.startWithPayments(config, PaymentsFixture.CATALOG, payments());
    }

    static PaymentsConfig payments() {
        return PaymentsConfig.of("sk_test_fake", StripeEventBuilder.SECRET)
                .withApiBase(stripe.apiBase()).withWorkIntervalMs(0);
    }

    @AfterAll
    static void stop() {
        assertThat(t.credits.verify().violations()).isEmpty();
        t.close();
        stripe.close();
    }

    static Response webhook(TestServer server, StripeEventBuilder.Signed event, String key) {
        Map<String, String> headers = event.signature() == null ? Map.of()
                : Map.of("Stripe-Signature", event.signature());
        return server.sendBytes("POST", "/v1/stripe/webhook", event.body(), headers, key);
    }

    @Test
    void aCheckoutSession_isCreatedAtStripe_with201() {
        Response made = t.post("/v1/customers/http_buyer/checkout-sessions", CHECKOUT);
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().get("id").asText()).startsWith("cs_test_");
        assertThat(made.json().get("url").asText()).startsWith("https://checkout.stripe.com/");
        Map<String, String> form = stripe.requests("POST", "/v1/checkout/sessions").get(0)
                .form();
        assertThat(form).containsEntry("metadata[credits_customer_id]", "http_buyer")
                .containsEntry("metadata[credits_product]", "pack_small")
                .containsEntry("metadata[credits_quantity]", "2");
    }

    @Test
    void badCheckoutRequests_are4xx_andStripeDownIs502() {
        int before = stripe.requests().size();
        String path = "/v1/customers/http_bad/checkout-sessions";
        assertThat(t.send("POST", path, CHECKOUT, Map.of(), null).status()).isEqualTo(401);
        assertThat(t.send("POST", path, CHECKOUT, Map.of(), "wrong-key").status())
                .isEqualTo(401);
        assertThat(t.post(path, "{").status()).isEqualTo(400);
        assertThat(t.post(path, "{\"product\": \"pack_small\", \"success_url\": \"x\","
                + " \"cancel_url\": \"https://a.example\"}").code()).isEqualTo("validation_failed");
        assertThat(t.post(path, CHECKOUT.replace("pack_small", "pack_nostripe")).code())
                .isEqualTo("validation_failed");
        assertThat(t.post(path, CHECKOUT.replace("\"quantity\": 2", "\"quantity\": 0")).status())
                .isEqualTo(422);
        assertThat(t.post(path, CHECKOUT.replace("\"quantity\": 2", "\"surprise\": 2")).code())
                .isEqualTo("validation_failed");
        assertThat(t.post("/v1/customers/bad%20id/checkout-sessions", CHECKOUT).status())
                .isEqualTo(422);
        assertThat(stripe.requests()).hasSize(before); // nothing reached Stripe
        stripe.failNext(100);
        Response down = t.post("/v1/customers/http_down/checkout-sessions", CHECKOUT);
        stripe.failNext(0);
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.code()).isEqualTo("payment_provider_error");
        assertThat(down.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void theWebhook_needsNoKeyButAValidSignature_andHandlesEachEventOnce() {
        StripeEventBuilder.Signed paid = StripeEventBuilder.event("checkout.session.completed",
                StripeEventBuilder.paidCheckout("http_hook", "pack_small", 1, "pi_http_hook",
                        900));
        Response bad = webhook(t, paid.signedWith("whsec_wrong"), null);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.code()).isEqualTo("invalid_signature");
        assertThat(webhook(t, paid.signedAt(Instant.now().getEpochSecond() - 3_600), null)
                .code()).isEqualTo("invalid_signature");
        assertThat(webhook(t, new StripeEventBuilder.Signed(paid.id(), paid.body(), null), null)
                .code()).isEqualTo("invalid_signature");
        assertThat(t.balance("http_hook")).isEqualTo("0.00");
        Response ok = webhook(t, paid, null);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("received").asBoolean()).isTrue();
        assertThat(ok.json().get("duplicate").asBoolean()).isFalse();
        // An API key, right or wrong, changes nothing: the signature is the credential.
        Response again = webhook(t, paid, "wrong-key");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("duplicate").asBoolean()).isTrue();
        assertThat(t.balance("http_hook")).isEqualTo("500.00");
        Response unknown = webhook(t, StripeEventBuilder.event("invoice.created",
                FakeStripe.fixture("invoice")), null);
        assertThat(unknown.status()).isEqualTo(200);
    }

    @Test
    void twoServerProcesses_receivingTheSameEventsAtOnce_grantOnce() throws Exception {
        try (TestServer second = TestServer.startWithPayments(config, PaymentsFixture.CATALOG,
                payments())) {
            List<StripeEventBuilder.Signed> events = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                events.add(StripeEventBuilder.event("checkout.session.completed",
                        StripeEventBuilder.paidCheckout("http_race", "pack_small", 1,
                                "pi_http_race_" + i, 900)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                TestServer target = i % 2 == 0 ? t : second;
                StripeEventBuilder.Signed event = events.get(i % events.size());
                answers.add(pool.submit(() -> {
                    go.await();
                    Response r = webhook(target, event, null);
                    for (int retry = 0; r.status() == 503 && retry < 10; retry++) {
                        r = webhook(target, event, null); // as Stripe retries
                    }
                    return r;
                }));
            }
            go.countDown();
            for (Future<Response> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            pool.shutdown();
            assertThat(t.balance("http_race")).isEqualTo("2500.00"); // five packs, each once
        }
    }

    @Test
    void withoutAStripeSection_theRoutesAre404() {
        CreditsConfig other = TestDatabase.newConfig(MutableClock.at("2026-12-01T10:00:00Z"),
                PaymentsFixture.TYPES);
        try (TestServer none = TestServer.startWithPayments(other, PaymentsFixture.CATALOG,
                null)) {
            assertThat(none.post("/v1/customers/x/checkout-sessions", CHECKOUT).code())
                    .isEqualTo("not_found");
            StripeEventBuilder.Signed paid = StripeEventBuilder.event(
                    "checkout.session.completed", StripeEventBuilder.paidCheckout("x",
                            "pack_small", 1, "pi_none", 900));
            assertThat(webhook(none, paid, null).status()).isEqualTo(404);
            assertThat(none.balance("x")).isEqualTo("0.00");
        }
    }
}
