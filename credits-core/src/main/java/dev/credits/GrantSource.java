package dev.credits;

import java.util.Locale;

/** Where a grant's credits came from. The wire form is the lower-case name. */
public enum GrantSource {
    PURCHASE, PROMOTION, SUBSCRIPTION, ADJUSTMENT, REFUND;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GrantSource parse(String text) {
        for (GrantSource source : values()) {
            if (source.wireName().equals(text)) {
                return source;
            }
        }
        throw new ValidationException("source",
                "must be one of purchase, promotion, subscription, adjustment, refund");
    }
}
