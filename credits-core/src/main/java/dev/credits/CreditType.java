package dev.credits;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A kind of credit, e.g. {@code credits} (scale 2) or {@code sms} (scale 0).
 *
 * @param id                 the identifier used in every API, {@code [a-z0-9_-]{1,64}}
 * @param name               display name
 * @param icon               optional icon (an emoji or a URL), may be null
 * @param scale              decimal places, 0–9; one unit is 10^-scale of a credit
 * @param overdraftLimit     how far a wallet may go negative unless the wallet overrides it
 * @param lowBalanceUnits    a {@code BalanceLow} event fires when a balance falls below this;
 *                           null for none
 */
public record CreditType(String id, String name, String icon, int scale,
                         OverdraftLimit overdraftLimit, Long lowBalanceUnits) {

    public static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9_-]{1,64}");

    public CreditType {
        Objects.requireNonNull(id, "id");
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("credit type id must match " + ID_PATTERN + ": " + id);
        }
        if (scale < 0 || scale > Amount.SCALE_MAX) {
            throw new IllegalArgumentException("scale must be 0.." + Amount.SCALE_MAX + ": " + scale);
        }
        name = name == null ? id : name;
        overdraftLimit = overdraftLimit == null ? OverdraftLimit.none() : overdraftLimit;
    }

    /** The one credit type a server has without configuration: {@code credits}, scale 2. */
    public static CreditType defaultType() {
        return new CreditType("credits", "Credits", null, 2, OverdraftLimit.none(), null);
    }

    public Amount parse(String text) {
        return Amount.parse(text, scale);
    }

    public Amount parsePositive(String text) {
        return Amount.parsePositive(text, scale);
    }

    public Amount amount(long units) {
        return new Amount(units, scale);
    }
}
