package dev.credits.payments;

import static dev.credits.payments.StripeEventBuilder.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.Spend;
import dev.credits.plans.Periods;
import dev.credits.plans.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A year of a Stripe subscription on the test clock: invoices paid, one paid late, a plan change,
 * a pack refunded, a debt charged at renewal, the cancellation; the history and verify agree.
 */
class StripeSubscriptionYearTest {
    static final Instant START = Instant.parse("2026-01-15T00:00:00Z");
    static final String STRIPE_SUB = "sub_stripe_year";
    PaymentsFixture f;

    @BeforeEach
    void open() {
        f = new PaymentsFixture(START.toString(), PaymentsConfig.RefundSpent.FORGIVE);
    }

    @AfterEach
    void close() {
        f.close();
    }

    static Instant month(int n) {
        return Periods.anniversary(START, n);
    }

    /** invoice.paid for the period [month n, month n+1) of the subscription. */
    static StripeEventBuilder.Signed invoicePaid(int n, String price, String reason) {
        ObjectNode invoice = FakeStripe.fixture("invoice");
        invoice.put("id", "in_year_" + n);
        invoice.put("customer", "cus_year");
        invoice.put("billing_reason", reason);
        invoice.put("status", "paid");
        invoice.putNull("subscription");
        ObjectNode details = invoice.putObject("parent").put("type", "subscription_details")
                .putObject("subscription_details");
        details.put("subscription", STRIPE_SUB);
        details.putObject("metadata").put(Payments.META_CUSTOMER, "yearly")
                .put(Payments.META_PLAN, "basic");
        ArrayNode lines = invoice.putObject("lines").putArray("data");
        ObjectNode line = lines.addObject();
        line.put("id", "il_year_" + n);
        line.putObject("parent").put("type", "subscription_item_details")
                .putObject("subscription_item_details").put("subscription", STRIPE_SUB);
        line.putObject("period").put("start", month(n).getEpochSecond())
                .put("end", month(n + 1).getEpochSecond());
        line.putObject("pricing").putObject("price_details").put("price", price);
        return event("invoice.paid", invoice, month(n));
    }

    static ObjectNode stripeSubscription(String price, String status) {
        ObjectNode sub = FakeStripe.fixture("subscription");
        sub.put("id", STRIPE_SUB);
        sub.put("customer", "cus_year");
        sub.put("status", status);
        ArrayNode items = sub.putObject("items").putArray("data");
        items.addObject().put("id", "si_year").putObject("price").put("id", price);
        StripeEventBuilder.metadata(sub, Map.of(Payments.META_CUSTOMER, "yearly"));
        return sub;
    }

    String balance() {
        f.credits.sweep();
        return f.balance("yearly");
    }

    /** The clock to {@code at}; renewals and expiry run as the scheduler runs them. */
    void moveTo(Instant at) {
        f.clock.set(at);
        f.plans.renewDue();
        f.credits.sweep();
    }

    long subscriptionGrants() {
        return f.credits.grants("yearly", "credits", true).stream()
                .filter(g -> g.source() == GrantSource.SUBSCRIPTION).count();
    }

    @Test
    void aSubscriptionCreatedButNotLinkedByACrash_isLinkedByTheNextEvent_notRefused() {
        // What a crash between creating the subscription and linking it leaves behind.
        f.plans.create("yearly", "basic", START, "stripe-" + STRIPE_SUB, START);
        f.clock.set(START.plusSeconds(30));
        ObjectNode session = FakeStripe.fixture("checkout_session");
        session.put("mode", "subscription");
        session.put("payment_status", "paid");
        session.put("subscription", STRIPE_SUB);
        StripeEventBuilder.metadata(session, Map.of(Payments.META_CUSTOMER, "yearly",
                Payments.META_PLAN, "basic"));
        try (java.sql.Connection c = f.ledger.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("insert into"
                     + " stripe_subscriptions (stripe_subscription_id, customer_id, plan,"
                     + " started_at, created_at, updated_at) values (?, 'yearly', 'basic', ?,"
                     + " now(), now())")) {
            ps.setString(1, STRIPE_SUB);
            ps.setTimestamp(2, java.sql.Timestamp.from(START));
            ps.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        assertThat(f.receive(event("checkout.session.completed", session)).outcome())
                .startsWith("subscription sub_");
        assertThat(f.receive(invoicePaid(0, "price_basic", "subscription_create")).outcome())
                .contains("paid through");
        assertThat(f.plans.subscriptions("yearly")).hasSize(1);
        assertThat(balance()).isEqualTo("1000.00");
    }

    @Test
    void aYear_onTheTestClock() {
        // Subscribed through Checkout; the first invoice arrives before or after the session.
        ObjectNode session = FakeStripe.fixture("checkout_session");
        session.put("mode", "subscription");
        session.put("payment_status", "paid");
        session.put("subscription", STRIPE_SUB);
        session.put("customer", "cus_year");
        StripeEventBuilder.metadata(session, Map.of(Payments.META_CUSTOMER, "yearly",
                Payments.META_PLAN, "basic"));
        f.receive(invoicePaid(0, "price_basic", "subscription_create"));
        f.receive(event("checkout.session.completed", session, START));
        List<Subscription> subs = f.plans.subscriptions("yearly");
        assertThat(subs).hasSize(1);
        String id = subs.get(0).id();
        assertThat(subs.get(0).startedAt()).isEqualTo(START);
        assertThat(balance()).isEqualTo("1000.00");
        long granted = subscriptionGrants();

        for (int n = 1; n <= 11; n++) {
            moveTo(month(n));
            // Until Stripe says the invoice is paid, the new period gets nothing.
            assertThat(subscriptionGrants()).as("month %d before its invoice", n)
                    .isEqualTo(granted);
            if (n == 3) {
                // The renewal's payment failed: the subscription is past_due for ten days.
                f.receive(event("customer.subscription.updated",
                        stripeSubscription("price_basic", "past_due"), month(3)));
                moveTo(month(3).plus(Duration.ofDays(10)));
                assertThat(subscriptionGrants()).isEqualTo(granted);
                assertThat(balance()).isEqualTo("0.00");
            }
            if (n == 5) {
                // Upgraded in Stripe's portal; the change is prorated as any change is.
                f.receive(event("customer.subscription.updated",
                        stripeSubscription("price_pro", "active"), month(5)));
                assertThat(f.plans.subscription(id).plan()).isEqualTo("pro");
                granted = subscriptionGrants(); // the prorated share of pro's allowance
            }
            if (n == 8) {
                // The customer overdrew before the renewal: 50.00 of debt, charged at it.
                long units = f.credits.wallet("yearly", "credits").balance().units() + 5_000;
                f.credits.wallet("yearly", "credits").spend(Spend.of(
                        dev.credits.Amount.render(units, 2)));
                assertThat(balance()).isEqualTo("-50.00");
            }
            String price = n >= 5 ? "price_pro" : "price_basic";
            StripeEventBuilder.Signed paid = invoicePaid(n, price, "subscription_cycle");
            f.receive(paid);
            f.receive(paid); // a redelivery grants nothing more
            assertThat(subscriptionGrants()).as("month %d after its invoice", n)
                    .isEqualTo(granted + 1);
            granted++;
            if (n == 3) {
                assertThat(balance()).isEqualTo("1000.00"); // paid late, granted once
            }
            if (n == 6) {
                // A pack bought and refunded in full: its credits go again.
                f.receive(event("checkout.session.completed", StripeEventBuilder.paidCheckout(
                        "yearly", "pack_small", 1, "pi_year_pack", 900), month(6)));
                assertThat(balance()).isEqualTo("3500.00");
                f.receive(event("charge.refunded", StripeEventBuilder.refundedCharge(
                        "pi_year_pack", 900, 900), month(6)));
                assertThat(balance()).isEqualTo("3000.00");
            }
            if (n == 8) {
                // The allowance pays the debt as any grant does; once Stripe has the invoice
                // item, the debt is settled in the ledger and the allowance is whole again.
                assertThat(balance()).isEqualTo("2950.00");
                f.payments.runDue();
                assertThat(balance()).isEqualTo("3000.00");
                assertThat(f.credits.grants("yearly", "credits", true)).anySatisfy(g -> {
                    assertThat(g.source()).isEqualTo(GrantSource.ADJUSTMENT);
                    assertThat(g.amount().toString()).isEqualTo("50.00");
                    assertThat(g.reason()).contains("debt at renewal");
                });
                f.payments.runDue();
                f.payments.runDue();
                List<FakeStripe.Request> items = f.stripe.requests("POST", "/v1/invoiceitems");
                assertThat(items).hasSize(1);
                assertThat(items.get(0).form()).containsEntry("amount", "50") // 50.00 × $0.01
                        .containsEntry("currency", "usd").containsEntry("customer", "cus_year")
                        .containsEntry("subscription", STRIPE_SUB);
                assertThat(items.get(0).idempotencyKey()).isEqualTo("credits-debt:" + STRIPE_SUB
                        + ":" + month(8).getEpochSecond() + ":credits");
            }
        }
        assertThat(f.stripe.requests("POST", "/v1/invoiceitems")).hasSize(1);

        // Canceled in Stripe; an invoice that arrives after it grants nothing.
        moveTo(month(11).plus(Duration.ofDays(3)));
        f.receive(event("customer.subscription.deleted",
                stripeSubscription("price_pro", "canceled"), month(11).plusSeconds(86_400 * 3)));
        assertThat(f.plans.subscription(id).isCanceled()).isTrue();
        long before = subscriptionGrants();
        f.receive(invoicePaid(12, "price_pro", "subscription_cycle"));
        moveTo(month(12));
        assertThat(subscriptionGrants()).isEqualTo(before);
        // An older update arriving after the cancellation does not bring it back.
        f.receive(event("customer.subscription.updated",
                stripeSubscription("price_basic", "active"), month(10)));
        assertThat(f.plans.subscription(id).isCanceled()).isTrue();

        // The history and verify agree: one allowance per paid period, nothing doubled.
        List<GrantRecord> allowances = f.credits.grants("yearly", "credits", true).stream()
                .filter(g -> g.source() == GrantSource.SUBSCRIPTION
                        && g.metadata().get("period_start") != null).toList();
        assertThat(allowances.stream().map(g -> g.metadata().get("period_start")).distinct()
                .count()).isEqualTo(12);
        assertThat(f.credits.verify().violations()).isEmpty();
        f.webhooks.deliverDue();
        assertThat(f.webhooks.events("yearly", "subscription.renewed", 50, null).data())
                .hasSize(11);
        assertThat(f.webhooks.events("yearly", "purchase.refunded", 50, null).data())
                .hasSize(1);
    }
}
