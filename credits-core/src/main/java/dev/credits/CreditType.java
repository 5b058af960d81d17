package dev.credits;

import java.util.List;
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
 * @param lowBalanceUnits    the alert threshold when {@code alertThresholdUnits} is empty (the
 *                           setting of earlier versions); null for none
 * @param alertThresholdUnits balance alerts: {@code balance.low} fires once when a wallet's
 *                           {@code available} crosses below one of these, {@code
 *                           balance.recovered} once when it is back at or above it (a wallet may
 *                           override them); at most {@link #ALERT_THRESHOLDS_MAX}, none negative
 * @param expiringSoonDays   {@code credits.expiring_soon} fires this many days before a grant
 *                           with credits left expires (once per grant); 0 for never
 */
public record CreditType(String id, String name, String icon, int scale,
                         OverdraftLimit overdraftLimit, Long lowBalanceUnits,
                         List<Long> alertThresholdUnits, int expiringSoonDays) {

    public static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9_-]{1,64}");
    public static final int ALERT_THRESHOLDS_MAX = 10;
    public static final int EXPIRING_SOON_DAYS_DEFAULT = 7;
    public static final int EXPIRING_SOON_DAYS_MAX = 365;

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
        alertThresholdUnits = requireThresholds(alertThresholdUnits == null ? List.of()
                : alertThresholdUnits);
        if (expiringSoonDays < 0 || expiringSoonDays > EXPIRING_SOON_DAYS_MAX) {
            throw new IllegalArgumentException("expiring_soon_days must be 0.."
                    + EXPIRING_SOON_DAYS_MAX);
        }
    }

    public CreditType(String id, String name, String icon, int scale,
                      OverdraftLimit overdraftLimit, Long lowBalanceUnits) {
        this(id, name, icon, scale, overdraftLimit, lowBalanceUnits, List.of());
    }

    public CreditType(String id, String name, String icon, int scale,
                      OverdraftLimit overdraftLimit, Long lowBalanceUnits,
                      List<Long> alertThresholdUnits) {
        this(id, name, icon, scale, overdraftLimit, lowBalanceUnits, alertThresholdUnits,
                EXPIRING_SOON_DAYS_DEFAULT);
    }

    /** When a grant expiring at {@code expiresAt} is announced; null for never. */
    public java.time.Instant expiringNoticeAt(java.time.Instant expiresAt) {
        return expiresAt == null || expiringSoonDays == 0 ? null
                : expiresAt.minus(java.time.Duration.ofDays(expiringSoonDays));
    }

    /** The thresholds its wallets alert at unless they override them, highest first. */
    public List<Long> defaultAlertThresholds() {
        if (!alertThresholdUnits.isEmpty()) {
            return alertThresholdUnits;
        }
        return lowBalanceUnits == null ? List.of() : List.of(lowBalanceUnits);
    }

    /**
     * Thresholds checked and put highest first, without repeats; throws
     * {@link IllegalArgumentException} for more than {@link #ALERT_THRESHOLDS_MAX} or a negative
     * one.
     */
    public static List<Long> requireThresholds(List<Long> thresholds) {
        if (thresholds.size() > ALERT_THRESHOLDS_MAX) {
            throw new IllegalArgumentException("at most " + ALERT_THRESHOLDS_MAX
                    + " alert thresholds");
        }
        java.util.TreeSet<Long> sorted = new java.util.TreeSet<>(java.util.Comparator
                .reverseOrder());
        for (Long threshold : thresholds) {
            if (threshold == null || threshold < 0) {
                throw new IllegalArgumentException("an alert threshold must not be negative");
            }
            sorted.add(threshold);
        }
        return List.copyOf(sorted);
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
