package dev.credits.payments;

import static dev.credits.payments.StripeEventBuilder.event;
import static dev.credits.payments.StripeEventBuilder.paidCheckout;
import static dev.credits.payments.StripeEventBuilder.refundedCharge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.GrantRecord;
import dev.credits.Spend;
import dev.credits.postgres.PostgresLedger;
import dev.credits.webhooks.Event;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Stripe webhook receiver: signed, each event once, in any order, racing or not. */
class StripeWebhookTest {
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

    long rows(String table) {
        try (Connection c = f.ledger.dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<GrantRecord> grants(String customer) {
        return f.credits.grants(customer, "credits", true);
    }

    @Test
    void aPaidCheckout_deliveredFiveTimes_grantsThePackOnce() {
        StripeEventBuilder.Signed paid = event("checkout.session.completed",
                paidCheckout("buyer_1", "pack_small", 2, "pi_buyer_1", 1800));
        Payments.Received first = f.receive(paid);
        assertThat(first.duplicate()).isFalse();
        assertThat(first.outcome()).startsWith("purchase pur_");
        for (int i = 0; i < 4; i++) {
            Payments.Received again = f.receive(paid);
            assertThat(again.duplicate()).isTrue();
            assertThat(again.outcome()).isEqualTo(first.outcome());
        }
        // A second event for the same payment (Stripe sends completed and async) is no new sale.
        f.receive(event("checkout.session.async_payment_succeeded",
                paidCheckout("buyer_1", "pack_small", 2, "pi_buyer_1", 1800)));
        assertThat(f.balance("buyer_1")).isEqualTo("1000.00");
        assertThat(grants("buyer_1")).hasSize(1);
        assertThat(grants("buyer_1").get(0).metadata()).containsEntry("payment_reference",
                "pi_buyer_1");
        // Its cost basis is what was paid (18.00 for two packs), not the list price.
        assertThat(grants("buyer_1").get(0).costBasis().toString()).isEqualTo("18.00");
        f.webhooks.deliverDue();
        assertThat(f.webhooks.events("buyer_1", "purchase.completed", 10, null).data())
                .hasSize(1);
        assertThat(rows("stripe_events")).isEqualTo(2);
        assertThat(f.stripe.requests()).isEmpty(); // nothing slow inline: no call to Stripe
    }

    @Test
    void aBadOrOldSignature_isRefused_andWritesNothing() {
        StripeEventBuilder.Signed paid = event("checkout.session.completed",
                paidCheckout("buyer_2", "pack_small", 1, "pi_buyer_2", 900));
        List<StripeEventBuilder.Signed> bad = List.of(
                paid.signedWith("whsec_another_secret"),
                paid.signedAt(Instant.now().getEpochSecond() - 301),
                new StripeEventBuilder.Signed(paid.id(), paid.text().replace("\"quantity\"",
                        "\"quantity\"").replace("pack_small", "pack_smalL").getBytes(
                        java.nio.charset.StandardCharsets.UTF_8), paid.signature()),
                new StripeEventBuilder.Signed(paid.id(), paid.body(), "t=1,v1=00"),
                new StripeEventBuilder.Signed(paid.id(), paid.body(), "garbage"),
                new StripeEventBuilder.Signed(paid.id(), paid.body(), ""),
                new StripeEventBuilder.Signed(paid.id(), paid.body(), null));
        for (StripeEventBuilder.Signed event : bad) {
            assertThatThrownBy(() -> f.receive(event)).as(event.signature())
                    .isInstanceOf(InvalidSignatureException.class)
                    .extracting(e -> ((InvalidSignatureException) e).code())
                    .isEqualTo("invalid_signature");
        }
        assertThat(rows("stripe_events")).isZero();
        assertThat(f.balance("buyer_2")).isEqualTo("0.00");
        assertThat(f.receive(paid).outcome()).startsWith("purchase");
        assertThat(f.balance("buyer_2")).isEqualTo("500.00");
    }

    @Test
    void unknownTypes_andOtherApplicationsCheckouts_areAcknowledgedAndIgnored() {
        assertThat(f.receive(event("customer.created", FakeStripe.fixture("customer")))
                .outcome()).startsWith("ignored");
        ObjectNode foreign = paidCheckout("x", "pack_small", 1, "pi_foreign", 900);
        foreign.putObject("metadata");
        assertThat(f.receive(event("checkout.session.completed", foreign)).outcome())
                .startsWith("ignored: not a credits checkout");
        ObjectNode unpaid = paidCheckout("buyer_3", "pack_small", 1, "pi_buyer_3", 900);
        unpaid.put("payment_status", "unpaid");
        assertThat(f.receive(event("checkout.session.completed", unpaid)).outcome())
                .startsWith("ignored: payment_status is unpaid");
        assertThat(f.balance("buyer_3")).isEqualTo("0.00");
        // The bank transfer clears later: the purchase is made then, once.
        StripeEventBuilder.Signed cleared = event("checkout.session.async_payment_succeeded",
                paidCheckout("buyer_3", "pack_small", 1, "pi_buyer_3", 900));
        f.receive(cleared);
        f.receive(cleared);
        assertThat(f.balance("buyer_3")).isEqualTo("500.00");
        // A product that is not (or no longer) in the catalog is refused for good, with why.
        assertThat(f.receive(event("checkout.session.completed", paidCheckout("buyer_3",
                "pack_gone", 1, "pi_gone", 900))).outcome()).startsWith(
                "refused: validation_failed");
    }

    @Test
    void aRefundBeforeItsPurchase_endsInTheSameStateAsInOrder() {
        // In order: the purchase, then half of it refunded.
        f.receive(event("checkout.session.completed", paidCheckout("order_a", "pack_small", 1,
                "pi_order_a", 900)));
        f.receive(event("charge.refunded", refundedCharge("pi_order_a", 900, 450)));
        // Out of order: the refund arrives first and waits for its purchase.
        assertThat(f.receive(event("charge.refunded", refundedCharge("pi_order_b", 900, 450)))
                .outcome()).contains("applied when its purchase arrives");
        assertThat(f.balance("order_b")).isEqualTo("0.00");
        f.receive(event("checkout.session.completed", paidCheckout("order_b", "pack_small", 1,
                "pi_order_b", 900)));
        for (String customer : List.of("order_a", "order_b")) {
            assertThat(f.balance(customer)).as(customer).isEqualTo("250.00");
            assertThat(grants(customer).get(0).remaining().toString()).isEqualTo("250.00");
        }
        f.webhooks.deliverDue();
        for (String customer : List.of("order_a", "order_b")) {
            List<Event> refunded = f.webhooks.events(customer, "purchase.refunded", 10, null)
                    .data();
            assertThat(refunded).as(customer).hasSize(1);
            assertThat(refunded.get(0).data()).containsEntry("amount_refunded", "4.50")
                    .containsEntry("payment_reference", "pi_" + customer);
        }
    }

    @Test
    void repeatedPartialRefunds_addUpExactlyToTheShareRefunded_whateverTheReplays() {
        f.receive(event("checkout.session.completed", paidCheckout("partial", "pack_small", 1,
                "pi_partial", 900)));
        // 1 cent of 9.00: floor(500.00 × 1 / 900) = 0.55 credits.
        StripeEventBuilder.Signed cent = event("charge.refunded",
                refundedCharge("pi_partial", 900, 1));
        f.receive(cent);
        f.receive(cent);
        assertThat(f.balance("partial")).isEqualTo("499.45");
        // 3.01 in all: floor(50000 × 301 / 900) = 167.22, so 166.67 more.
        f.receive(event("charge.refunded", refundedCharge("pi_partial", 900, 301)));
        assertThat(f.balance("partial")).isEqualTo("332.78");
        // An older event arriving late (0.01 in all) changes nothing: refunds only grow.
        f.receive(event("charge.refunded", refundedCharge("pi_partial", 900, 1)));
        assertThat(f.balance("partial")).isEqualTo("332.78");
        f.receive(event("charge.refunded", refundedCharge("pi_partial", 900, 900)));
        assertThat(f.balance("partial")).isEqualTo("0.00");
        assertThat(grants("partial").get(0).status().wireName()).isEqualTo("voided");
    }

    @Test
    void aRefundOfSpentCredits_isForgivenByDefault() {
        f.receive(event("checkout.session.completed", paidCheckout("spent_f", "pack_small", 1,
                "pi_spent_f", 900)));
        f.credits.wallet("spent_f", "credits").spend(Spend.of("400.00"));
        f.receive(event("charge.refunded", refundedCharge("pi_spent_f", 900, 900)));
        // 100.00 was left and is taken back; the 400.00 spent is not.
        assertThat(f.balance("spent_f")).isEqualTo("0.00");
        f.webhooks.deliverDue();
        Event refunded = f.webhooks.events("spent_f", "purchase.refunded", 10, null).data()
                .get(0);
        @SuppressWarnings("unchecked")
        var credited = (List<java.util.Map<String, Object>>) refunded.data().get("credits");
        assertThat(credited.get(0)).containsEntry("refunded", "500.00")
                .containsEntry("taken_back", "100.00").containsEntry("debt", "0.00");
    }

    @Test
    void aRefundOfSpentCredits_withRefundSpentDebt_leavesTheWalletInDebt() {
        f.close();
        f = new PaymentsFixture("2026-12-01T10:00:00Z", PaymentsConfig.RefundSpent.DEBT);
        f.receive(event("checkout.session.completed", paidCheckout("spent_d", "pack_small", 1,
                "pi_spent_d", 900)));
        f.credits.wallet("spent_d", "credits").spend(Spend.of("400.00"));
        StripeEventBuilder.Signed half = event("charge.refunded",
                refundedCharge("pi_spent_d", 900, 450));
        f.receive(half);
        f.receive(half);
        // Half is 250.00: 100.00 is left to take back, 150.00 becomes debt.
        assertThat(f.balance("spent_d")).isEqualTo("-150.00");
        f.receive(event("charge.refunded", refundedCharge("pi_spent_d", 900, 900)));
        assertThat(f.balance("spent_d")).isEqualTo("-400.00");
    }

    @Test
    void aLostDispute_takesBackLikeARefund_countedWithRefundsOfTheSamePayment() {
        f.receive(event("checkout.session.completed", paidCheckout("dispute", "pack_small", 1,
                "pi_dispute", 900)));
        f.receive(event("charge.refunded", refundedCharge("pi_dispute", 900, 180)));
        assertThat(f.balance("dispute")).isEqualTo("400.00");
        ObjectNode dispute = FakeStripe.fixture("charge");
        dispute.removeAll();
        dispute.put("id", "dp_1").put("object", "dispute").put("amount", 270)
                .put("currency", "usd").put("payment_intent", "pi_dispute")
                .put("status", "lost");
        StripeEventBuilder.Signed withdrawn = event("charge.dispute.funds_withdrawn", dispute);
        f.receive(withdrawn);
        f.receive(withdrawn);
        // 1.80 refunded and 2.70 withdrawn: half of 500.00 given back.
        assertThat(f.balance("dispute")).isEqualTo("250.00");
    }

    @Test
    void theCostBasisOfAStripePurchase_isWhatWasPaid_afterDiscounts_withoutTax() {
        ObjectNode session = paidCheckout("taxed", "pack_small", 1, "pi_taxed", 756);
        session.putObject("total_details").put("amount_discount", 200).put("amount_tax", 56);
        f.receive(event("checkout.session.completed", session));
        assertThat(grants("taxed").get(0).costBasis()).isEqualTo(
                dev.credits.Money.parse("7.00", "usd"));
    }

    @Test
    void aFreeCheckout_withNoPaymentRequired_isGrantedByTheSession() {
        ObjectNode free = paidCheckout("free_1", "pack_small", 1, "unused", 0);
        free.put("payment_status", "no_payment_required");
        free.putNull("payment_intent");
        StripeEventBuilder.Signed event = event("checkout.session.completed", free);
        f.receive(event);
        f.receive(event);
        assertThat(f.balance("free_1")).isEqualTo("500.00");
        assertThat(grants("free_1").get(0).metadata()).containsEntry("payment_reference",
                "cs_test_unused");
    }

    @Test
    void twoProcesses_racingTheSameDeliveries_grantAndRefundOnce() throws Exception {
        PostgresLedger second = f.openSecondLedger();
        Payments other = f.open(second, PaymentsConfig.RefundSpent.FORGIVE);
        try {
            StripeEventBuilder.Signed paid = event("checkout.session.completed",
                    paidCheckout("racer", "pack_small", 4, "pi_racer", 3600));
            StripeEventBuilder.Signed quarter = event("charge.refunded",
                    refundedCharge("pi_racer", 3600, 900));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Payments target = i % 2 == 0 ? f.payments : other;
                StripeEventBuilder.Signed delivery = i % 4 < 2 ? paid : quarter;
                done.add(pool.submit(() -> {
                    go.await();
                    return target.receive(delivery.body(), delivery.signature());
                }));
            }
            go.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            f.payments.runDue(); // completes a refund whose purchase a racer was still making
            assertThat(grants("racer")).hasSize(1);
            assertThat(f.balance("racer")).isEqualTo("1500.00"); // 2000.00 less a quarter
            assertThat(rows("stripe_refunds")).isEqualTo(1);
        } finally {
            other.close();
            second.close();
        }
    }
}
