package dev.credits;

import java.util.regex.Pattern;

/** Customer ids are opaque strings of 1–128 characters from {@code [A-Za-z0-9._:@-]}. */
public final class CustomerIds {
    public static final int LENGTH_MAX = 128;
    private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:@-]{1," + LENGTH_MAX + "}");

    private CustomerIds() {
    }

    /** Returns the id, or throws {@link ValidationException} on field {@code customer}. */
    public static String requireValid(String customerId) {
        if (customerId == null || !PATTERN.matcher(customerId).matches()) {
            throw new ValidationException("customer",
                    "must be 1-" + LENGTH_MAX + " characters from [A-Za-z0-9._:@-]");
        }
        return customerId;
    }
}
