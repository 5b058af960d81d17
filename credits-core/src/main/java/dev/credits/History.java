package dev.credits;

/**
 * A history query: {@code History.query().creditType("credits").groupDaily().limit(50)}.
 * Immutable; each method returns a new query.
 */
public record History(String creditType, TransactionType type, boolean daily, int limit,
                      String cursor) {

    public static final int LIMIT_DEFAULT = 50;
    public static final int LIMIT_MAX = 500;

    public History {
        if (limit < 1 || limit > LIMIT_MAX) {
            throw new ValidationException("limit", "must be 1.." + LIMIT_MAX);
        }
    }

    public static History query() {
        return new History(null, null, false, LIMIT_DEFAULT, null);
    }

    public History creditType(String value) {
        return new History(value, type, daily, limit, cursor);
    }

    public History type(TransactionType value) {
        return new History(creditType, value, daily, limit, cursor);
    }

    /** Merges usage per UTC day, credit type and feature; a view only, entries stay apart. */
    public History groupDaily() {
        return new History(creditType, type, true, limit, cursor);
    }

    public History limit(int value) {
        return new History(creditType, type, daily, value, cursor);
    }

    public History after(String value) {
        return new History(creditType, type, daily, limit, value);
    }
}
