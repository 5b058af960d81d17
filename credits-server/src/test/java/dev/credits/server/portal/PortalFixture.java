package dev.credits.server.portal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.Amount;
import dev.credits.plans.Catalog;
import dev.credits.plans.Interval;
import dev.credits.plans.Plan;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import dev.credits.plans.Rollover;
import dev.credits.server.TestServer;
import java.math.BigDecimal;
import java.time.Period;
import java.util.List;

/** A catalog to sell, a customer with history, and portal links, for the portal's tests. */
final class PortalFixture {
    private PortalFixture() {
    }

    static Catalog catalog() {
        Plan pro = new Plan("pro", "Pro", Interval.MONTH, List.of(new Provision("credits",
                Amount.parse("1000", 2), null)), new Rollover(new BigDecimal("500"), null));
        Product pack = new Product("pack_500", "500 credits", new Product.Price("9.00", "usd"),
                List.of(new Provision("credits", Amount.parse("500", 2), Period.ofMonths(6))));
        return Catalog.of(List.of(pro), List.of(pack));
    }

    /** A portal link of {@code customer}, made over the API. */
    static String link(TestServer server, String customer) {
        TestServer.Response r = server.post("/v1/portal-sessions",
                "{\"customer_id\":\"" + customer + "\"}");
        if (r.status() != 201) {
            throw new AssertionError("portal session: " + r);
        }
        JsonNode json = r.json();
        return json.get("url").asText();
    }

    /**
     * A subscription, then {@code perDay} spends over two features on each of {@code days} days,
     * the test clock moved a day after each (a server on a test clock).
     */
    static void weeks(TestServer server, String customer, int days, int perDay) {
        history(server, customer, 0);
        java.util.Random random = new java.util.Random(7);
        for (int day = 0; day < days; day++) {
            for (int i = 0; i < perDay; i++) {
                boolean images = random.nextInt(3) == 0;
                String amount = images ? (2 + random.nextInt(6)) + ".00"
                        : random.nextInt(4) + "." + (10 + random.nextInt(90));
                TestServer.Response r = server.post("/v1/customers/" + customer + "/spend",
                        "{\"credit_type\":\"credits\",\"amount\":\"" + amount
                                + "\",\"feature\":\"" + (images ? "images" : "chat") + "\"}");
                if (r.status() != 201) {
                    throw new AssertionError("spend: " + r);
                }
            }
            TestServer.Response r = server.post("/v1/test-clock/advance", "{\"seconds\":86400}");
            if (r.status() != 200) {
                throw new AssertionError("advance: " + r);
            }
        }
    }

    /** A subscription, a grant and {@code spends} spends over two features. */
    static void history(TestServer server, String customer, int spends) {
        TestServer.Response sub = server.post("/v1/customers/" + customer + "/subscriptions",
                "{\"plan\":\"pro\"}", java.util.Map.of("Idempotency-Key", "sub-" + customer));
        if (sub.status() != 201) {
            throw new AssertionError("subscription: " + sub);
        }
        for (int i = 0; i < spends; i++) {
            TestServer.Response r = server.post("/v1/customers/" + customer + "/spend",
                    "{\"credit_type\":\"credits\",\"amount\":\"" + (1 + i % 5) + ".25\","
                            + "\"feature\":\"" + (i % 3 == 0 ? "images" : "chat") + "\"}");
            if (r.status() != 201) {
                throw new AssertionError("spend: " + r);
            }
        }
    }
}
