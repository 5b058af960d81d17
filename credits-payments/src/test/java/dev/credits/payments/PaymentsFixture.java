package dev.credits.payments;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Money;
import dev.credits.OverdraftLimit;
import dev.credits.plans.Catalog;
import dev.credits.plans.Interval;
import dev.credits.plans.Plan;
import dev.credits.plans.Plans;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import dev.credits.webhooks.AutoTopups;
import dev.credits.webhooks.Webhooks;
import dev.credits.webhooks.WebhooksConfig;
import java.util.List;
import java.util.Map;

/**
 * A ledger on a fresh test database with a catalog sold through Stripe, and {@link Payments}
 * pointed at a {@link FakeStripe}. The credit type {@code credits} costs $0.01 a credit and may
 * go 100.00 into overdraft.
 */
public final class PaymentsFixture implements AutoCloseable {
    public static final CreditTypes TYPES = CreditTypes.of(List.of(new CreditType("credits",
            "Credits", null, 2, OverdraftLimit.of(10_000), null)));
    public static final Catalog CATALOG = Catalog.of(
            List.of(new Plan("basic", "Basic", Interval.MONTH, List.of(new Provision("credits",
                            Amount.parse("1000.00", 2), null)), null, "price_basic"),
                    new Plan("pro", "Pro", Interval.MONTH, List.of(new Provision("credits",
                            Amount.parse("3000.00", 2), null)), null, "price_pro")),
            List.of(new Product("pack_small", "500 credits", new Product.Price("9.00", "usd"),
                            List.of(new Provision("credits", Amount.parse("500.00", 2), null)),
                            "price_pack_small"),
                    new Product("pack_nostripe", "Sold elsewhere", null,
                            List.of(new Provision("credits", Amount.parse("5.00", 2), null)))));

    public final MutableClock clock;
    public final dev.credits.CreditsConfig config;
    public final FakeStripe stripe;
    public final PostgresLedger ledger;
    public final Credits credits;
    public final Plans plans;
    public final Webhooks webhooks;
    public final AutoTopups topups;
    public final Payments payments;

    public PaymentsFixture(String start, PaymentsConfig.RefundSpent refundSpent) {
        clock = MutableClock.at(start);
        stripe = FakeStripe.start();
        config = TestDatabase.newConfig(clock, TYPES);
        ledger = PostgresLedger.open(config);
        credits = ledger.credits();
        plans = Plans.open(credits, ledger.dataSource(), CATALOG);
        webhooks = Webhooks.open(credits, ledger.backgroundDataSource(),
                WebhooksConfig.defaults().withPollIntervalMs(0));
        topups = webhooks.autoTopups();
        payments = open(ledger, refundSpent);
    }

    public PaymentsFixture() {
        this("2026-12-01T10:00:00Z", PaymentsConfig.RefundSpent.FORGIVE);
    }

    /** A second ledger on the same database, as a second server process has. */
    public PostgresLedger openSecondLedger() {
        return PostgresLedger.open(config);
    }

    /** Another {@link Payments} on the same database: a second server process. */
    public Payments open(PostgresLedger on, PaymentsConfig.RefundSpent refundSpent) {
        return Payments.open(on.credits(), plans, topups, on.backgroundDataSource(),
                config(refundSpent));
    }

    public PaymentsConfig config(PaymentsConfig.RefundSpent refundSpent) {
        return PaymentsConfig.of("sk_test_fake", StripeEventBuilder.SECRET)
                .withApiBase(stripe.apiBase()).withRefundSpent(refundSpent)
                .withUnitPrices(Map.of("credits", Money.parse("0.01", "usd")))
                .withWorkIntervalMs(0);
    }

    public Payments.Received receive(StripeEventBuilder.Signed event) {
        return payments.receive(event.body(), event.signature());
    }

    public String balance(String customer) {
        return credits.wallet(customer, "credits").balance().toString();
    }

    @Override
    public void close() {
        payments.close();
        webhooks.close();
        plans.close();
        ledger.close();
        stripe.close();
    }
}
