package dev.credits;

import java.util.Locale;

/** The kinds of entries in a wallet's history. */
public enum TransactionType {
    GRANT, USAGE, EXPIRY, VOID, ADJUSTMENT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TransactionType parse(String text) {
        for (TransactionType type : values()) {
            if (type.wireName().equals(text)) {
                return type;
            }
        }
        throw new ValidationException("type", "must be one of grant, usage, expiry, void, adjustment");
    }
}
