package dev.credits;

import java.util.Map;

/** A request to use credits: {@code Spend.of("10.00").feature("chat")}. Immutable. */
public record Spend(String amount, String feature, String reason, Map<String, ?> metadata,
                    String idempotencyKey) {

    public static Spend of(String amount) {
        return new Spend(amount, null, null, null, null);
    }

    public Spend feature(String value) {
        return new Spend(amount, value, reason, metadata, idempotencyKey);
    }

    public Spend reason(String value) {
        return new Spend(amount, feature, value, metadata, idempotencyKey);
    }

    public Spend metadata(Map<String, ?> value) {
        return new Spend(amount, feature, reason, value, idempotencyKey);
    }

    public Spend idempotencyKey(String value) {
        return new Spend(amount, feature, reason, metadata, value);
    }
}
