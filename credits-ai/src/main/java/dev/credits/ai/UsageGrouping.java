package dev.credits.ai;

import dev.credits.ValidationException;

/** How usage totals are grouped: not at all, by model, by feature, or by UTC day. */
public enum UsageGrouping {
    NONE, MODEL, FEATURE, DAY;

    /** The most groups one query returns. */
    public static final int GROUPS_MAX = 1_000;

    /** {@code model}, {@code feature}, {@code day}, or null for none. */
    public static UsageGrouping parse(String text) {
        if (text == null || text.isEmpty()) {
            return NONE;
        }
        return switch (text) {
            case "model" -> MODEL;
            case "feature" -> FEATURE;
            case "day" -> DAY;
            default -> throw new ValidationException("group_by", "must be model, feature or day");
        };
    }
}
