package dev.credits.payments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stripe webhook events for tests, built from Stripe's example objects
 * ({@link FakeStripe#fixture}) and signed as Stripe signs them:
 * {@code Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}.
 */
public final class StripeEventBuilder {
    public static final String SECRET = "whsec_test_secret_for_credits";
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** One event: its exact body and a valid signature header for it. */
    public record Signed(String id, byte[] body, String signature) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The same body signed at another time (an old one fails the tolerance). */
        public Signed signedAt(long unixSeconds) {
            return new Signed(id, body, sign(SECRET, unixSeconds, body));
        }

        public Signed signedWith(String secret) {
            return new Signed(id, body, sign(secret, Instant.now().getEpochSecond(), body));
        }
    }

    private StripeEventBuilder() {
    }

    /** An event of {@code type} around {@code object}, created at {@code created}. */
    public static Signed event(String type, ObjectNode object, Instant created) {
        ObjectNode envelope = FakeStripe.fixture("event");
        String id = "evt_test" + System.nanoTime() + "x" + SEQUENCE.incrementAndGet();
        envelope.put("id", id);
        envelope.put("type", type);
        envelope.put("created", created.getEpochSecond());
        envelope.put("api_version", "2025-09-30.clover");
        ((ObjectNode) envelope.get("data")).set("object", object);
        byte[] body = envelope.toString().getBytes(StandardCharsets.UTF_8);
        return new Signed(id, body, sign(SECRET, Instant.now().getEpochSecond(), body));
    }

    public static Signed event(String type, ObjectNode object) {
        return event(type, object, Instant.now());
    }

    /** A paid Checkout session for a pack. */
    public static ObjectNode paidCheckout(String customer, String product, int quantity,
                                          String paymentIntent, long amountTotal) {
        ObjectNode session = FakeStripe.fixture("checkout_session");
        session.put("id", "cs_test_" + paymentIntent);
        session.put("mode", "payment");
        session.put("status", "complete");
        session.put("payment_status", "paid");
        session.put("payment_intent", paymentIntent);
        session.put("amount_total", amountTotal);
        session.put("currency", "usd");
        session.putObject("total_details").put("amount_discount", 0).put("amount_tax", 0)
                .putNull("amount_shipping");
        metadata(session, Map.of(Payments.META_CUSTOMER, customer, Payments.META_PRODUCT,
                product, Payments.META_QUANTITY, String.valueOf(quantity)));
        return session;
    }

    /** A charge of {@code amount} of which {@code refunded} has been refunded, in all. */
    public static ObjectNode refundedCharge(String paymentIntent, long amount, long refunded) {
        ObjectNode charge = FakeStripe.fixture("charge");
        charge.put("id", "ch_" + paymentIntent);
        charge.put("payment_intent", paymentIntent);
        charge.put("amount", amount);
        charge.put("amount_refunded", refunded);
        charge.put("refunded", refunded == amount);
        charge.put("currency", "usd");
        return charge;
    }

    public static void metadata(ObjectNode object, Map<String, String> values) {
        ObjectNode metadata = object.putObject("metadata");
        values.forEach(metadata::put);
    }

    static String sign(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
