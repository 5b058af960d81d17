package dev.credits.payments;

import static dev.credits.payments.StripeEventBuilder.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.Grant;
import dev.credits.Spend;
import dev.credits.webhooks.AutoTopups;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checkout sessions at the fake Stripe, and auto top-ups paid off-session. */
class CheckoutAndTopupTest {
    static final String OK = "https://app.example/ok";
    static final String CANCEL = "https://app.example/cancel";
    PaymentsFixture f;

    @BeforeEach
    void open() {
        f = new PaymentsFixture();
    }

    @AfterEach
    void close() {
        assertThat(f.credits.verify().violations()).isEmpty();
        f.close();
    }

    @Test
    void aPackCheckout_createsTheStripeCustomerOnce_andNamesCustomerProductAndQuantity() {
        Payments.CheckoutSession session = f.payments.checkout("shopper", "pack_small", null, 3,
                OK, CANCEL, "key-1");
        assertThat(session.id()).startsWith("cs_test_fake");
        assertThat(session.url()).startsWith("https://checkout.stripe.com/");
        f.payments.checkout("shopper", "pack_small", null, 1, OK, CANCEL, null);
        assertThat(f.stripe.requests("POST", "/v1/customers")).hasSize(1);
        FakeStripe.Request customer = f.stripe.requests("POST", "/v1/customers").get(0);
        assertThat(customer.form()).containsEntry("metadata[credits_customer_id]", "shopper");
        assertThat(customer.idempotencyKey()).isEqualTo("credits-customer:shopper");
        List<FakeStripe.Request> sessions = f.stripe.requests("POST", "/v1/checkout/sessions");
        assertThat(sessions).hasSize(2);
        Map<String, String> form = sessions.get(0).form();
        assertThat(form).containsEntry("mode", "payment")
                .containsEntry("line_items[0][price]", "price_pack_small")
                .containsEntry("line_items[0][quantity]", "3")
                .containsEntry("customer", "cus_fake1")
                .containsEntry("metadata[credits_customer_id]", "shopper")
                .containsEntry("metadata[credits_product]", "pack_small")
                .containsEntry("metadata[credits_quantity]", "3")
                .containsEntry("payment_intent_data[setup_future_usage]", "off_session")
                .containsEntry("success_url", OK).containsEntry("cancel_url", CANCEL);
        assertThat(sessions.get(0).idempotencyKey()).isEqualTo(
                "credits-checkout:shopper:key-1:product:pack_small:3");
        // A retry with the client's key is the same session (Stripe answers it again).
        assertThat(f.payments.checkout("shopper", "pack_small", null, 3, OK, CANCEL, "key-1")
                .id()).isEqualTo(session.id());
    }

    @Test
    void aPlanCheckout_isASubscriptionWhoseMetadataNamesThePlan() {
        f.payments.checkout("subscriber", null, "pro", null, OK, CANCEL, null);
        Map<String, String> form = f.stripe.requests("POST", "/v1/checkout/sessions").get(0)
                .form();
        assertThat(form).containsEntry("mode", "subscription")
                .containsEntry("line_items[0][price]", "price_pro")
                .containsEntry("subscription_data[metadata][credits_plan]", "pro")
                .containsEntry("subscription_data[metadata][credits_customer_id]", "subscriber");
    }

    @Test
    void badCheckoutRequests_areRefusedBeforeAnyCallToStripe() {
        List<Runnable> bad = List.of(
                () -> f.payments.checkout("c1", "pack_nostripe", null, 1, OK, CANCEL, null),
                () -> f.payments.checkout("c1", "pack_none", null, 1, OK, CANCEL, null),
                () -> f.payments.checkout("c1", "pack_small", "pro", 1, OK, CANCEL, null),
                () -> f.payments.checkout("c1", null, null, 1, OK, CANCEL, null),
                () -> f.payments.checkout("c1", "pack_small", null, 0, OK, CANCEL, null),
                () -> f.payments.checkout("c1", "pack_small", null, 1001, OK, CANCEL, null),
                () -> f.payments.checkout("c1", null, "pro", 2, OK, CANCEL, null),
                () -> f.payments.checkout("c1", "pack_small", null, 1, "ftp://x/y", CANCEL,
                        null),
                () -> f.payments.checkout("c1", "pack_small", null, 1, "/relative", CANCEL,
                        null),
                () -> f.payments.checkout("c1", "pack_small", null, 1, OK, null, null),
                () -> f.payments.checkout("bad id!", "pack_small", null, 1, OK, CANCEL, null));
        for (Runnable request : bad) {
            assertThatThrownBy(request::run).isInstanceOf(dev.credits.CreditsException.class)
                    .isNotInstanceOf(PaymentProviderException.class);
        }
        assertThat(f.stripe.requests()).isEmpty();
    }

    @Test
    void stripeDown_isAPaymentProviderError_andARetryAfterwardsWorks() {
        f.stripe.failNext(100);
        assertThatThrownBy(() -> f.payments.checkout("c2", "pack_small", null, 1, OK, CANCEL,
                null)).isInstanceOf(PaymentProviderException.class)
                .hasMessageContaining("Stripe failed creating the Stripe customer");
        f.stripe.failNext(0);
        assertThat(f.payments.checkout("c2", "pack_small", null, 1, OK, CANCEL, null).id())
                .startsWith("cs_");
    }

    /** A customer with a Stripe customer (from a checkout) and an auto top-up rule. */
    String topupRequested(String customer) {
        f.payments.checkout(customer, "pack_small", null, 1, OK, CANCEL, null);
        f.credits.wallet(customer, "credits").grant(Grant.of("150.00"));
        f.topups.put(customer, "credits", true, "100.00", "200.00", null, null, null);
        f.credits.wallet(customer, "credits").spend(Spend.of("100.00"));
        f.webhooks.deliverDue(); // the fan-out requests the top-up
        List<dev.credits.webhooks.Event> asked = f.webhooks.events(customer, "topup.requested",
                5, null).data();
        assertThat(asked).hasSize(1);
        return (String) asked.get(0).data().get("topup_id");
    }

    @Test
    void anAutoTopUp_isPaidOffSession_andGrantedOnceWhenStripeSaysItSucceeded() {
        String topup = topupRequested("auto_1");
        f.payments.runDue();
        f.payments.runDue(); // nothing twice
        List<FakeStripe.Request> intents = f.stripe.requests("POST", "/v1/payment_intents");
        assertThat(intents).hasSize(1);
        assertThat(intents.get(0).idempotencyKey()).isEqualTo("credits-topup:" + topup);
        assertThat(intents.get(0).form()).containsEntry("amount", "200") // 200.00 × $0.01
                .containsEntry("currency", "usd").containsEntry("off_session", "true")
                .containsEntry("confirm", "true").containsEntry("payment_method", "pm_card_visa")
                .containsEntry("metadata[credits_topup_id]", topup);
        assertThat(f.topups.topup(topup).status()).isEqualTo("requested");
        ObjectNode intent = FakeStripe.fixture("payment_intent");
        intent.put("id", "pi_auto_1");
        intent.put("status", "succeeded");
        intent.put("amount", 200);
        intent.put("amount_received", 200);
        StripeEventBuilder.metadata(intent, Map.of(Payments.META_TOPUP, topup,
                Payments.META_CUSTOMER, "auto_1"));
        StripeEventBuilder.Signed succeeded = event("payment_intent.succeeded", intent);
        f.receive(succeeded);
        f.receive(succeeded);
        AutoTopups.Topup done = f.topups.topup(topup);
        assertThat(done.status()).isEqualTo("succeeded");
        assertThat(done.paymentReference()).isEqualTo("pi_auto_1");
        assertThat(f.balance("auto_1")).isEqualTo("250.00");
        // Refunding the top-up's payment takes its credits back, like a pack's.
        f.receive(event("charge.refunded", StripeEventBuilder.refundedCharge("pi_auto_1", 200,
                200)));
        assertThat(f.balance("auto_1")).isEqualTo("50.00");
    }

    @Test
    void aTopUpPaidAfterItFailed_isRefundedAtStripe_andGrantsNothing() {
        String topup = topupRequested("auto_late");
        f.topups.fail(topup, "given up by the application");
        ObjectNode intent = FakeStripe.fixture("payment_intent");
        intent.put("id", "pi_auto_late");
        intent.put("status", "succeeded");
        StripeEventBuilder.metadata(intent, Map.of(Payments.META_TOPUP, topup));
        f.receive(event("payment_intent.succeeded", intent));
        f.payments.runDue();
        f.payments.runDue();
        List<FakeStripe.Request> refunds = f.stripe.requests("POST", "/v1/refunds");
        assertThat(refunds).hasSize(1);
        assertThat(refunds.get(0).form()).containsEntry("payment_intent", "pi_auto_late");
        assertThat(refunds.get(0).idempotencyKey()).isEqualTo("credits-refund-topup:" + topup);
        assertThat(f.balance("auto_late")).isEqualTo("50.00");
    }

    @Test
    void aVeryLongCheckoutKey_isHashedToFitStripesLimit() {
        String customer = "c".repeat(128);
        f.payments.checkout(customer, "pack_small", null, 1, OK, CANCEL, "k".repeat(255));
        String key = f.stripe.requests("POST", "/v1/checkout/sessions").get(0)
                .idempotencyKey();
        assertThat(key).startsWith("credits-sha256-").hasSizeLessThanOrEqualTo(255);
    }

    @Test
    void aDeclinedCard_failsTheTopUp() {
        String topup = topupRequested("auto_2");
        f.stripe.decline("Your card has insufficient funds.");
        f.payments.runDue();
        AutoTopups.Topup failed = f.topups.topup(topup);
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.reason()).contains("insufficient funds");
        assertThat(f.balance("auto_2")).isEqualTo("50.00");
    }

    @Test
    void aFailedPaymentEvent_failsTheTopUp_andACustomerWithoutACardIsLeftToTheApplication() {
        String topup = topupRequested("auto_3");
        f.stripe.savedCards(List.of());
        f.payments.runDue();
        assertThat(f.stripe.requests("POST", "/v1/payment_intents")).isEmpty();
        assertThat(f.topups.topup(topup).status()).isEqualTo("requested");
        ObjectNode intent = FakeStripe.fixture("payment_intent");
        intent.put("id", "pi_auto_3");
        intent.putObject("last_payment_error").put("message", "The card was declined.");
        StripeEventBuilder.metadata(intent, Map.of(Payments.META_TOPUP, topup));
        f.receive(event("payment_intent.payment_failed", intent));
        assertThat(f.topups.topup(topup).status()).isEqualTo("failed");
        assertThat(f.topups.topup(topup).reason()).contains("The card was declined.");
    }

    @Test
    void unitPricesRoundUp_toTheCurrencysMinorUnit() {
        dev.credits.Money cent = dev.credits.Money.parse("0.01", "usd");
        assertThat(cent.times(1, 2).minor()).isEqualTo(1); // 0.01 credit costs 0.0001: 1 cent
        assertThat(cent.times(20_000, 2).minor()).isEqualTo(200);
        assertThat(dev.credits.Money.parse("7", "jpy").times(150, 0).toString())
                .isEqualTo("1050");
        assertThatThrownBy(() -> dev.credits.Money.parse("1.001", "usd"))
                .isInstanceOf(dev.credits.InvalidAmountException.class);
        assertThatThrownBy(() -> dev.credits.Money.parse("1", "USD1"))
                .isInstanceOf(dev.credits.InvalidAmountException.class);
        assertThatThrownBy(() -> dev.credits.Money.parse("99999999999999999999", "usd"))
                .isInstanceOf(dev.credits.InvalidAmountException.class);
        assertThatThrownBy(() -> new dev.credits.Money(Long.MAX_VALUE, "usd").times(
                Long.MAX_VALUE, 0)).isInstanceOf(ArithmeticException.class);
    }
}
