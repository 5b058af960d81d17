package dev.credits;

import java.time.Instant;

/**
 * The deferred-revenue roll-forward of one currency over {@code [from, to)} (docs/revenue.md):
 * {@code openingDeferred + purchased - recognized - breakage - refunded = closingDeferred},
 * exactly. Deferred is what customers paid for credits they have not used yet; recognized is the
 * share of credits used, breakage the share of credits that expired unused, refunded the share
 * of credits voided. {@code customerId} and {@code creditType} are null for all.
 */
public record RevenueReport(String currency, Instant from, Instant to, String customerId,
                            String creditType, Money openingDeferred, Money purchased,
                            Money recognized, Money breakage, Money refunded,
                            Money closingDeferred) {
}
