package dev.credits;

import java.time.LocalDate;

/**
 * What one feature spent on one UTC day: {@code amount} is positive (the credits used, captures
 * included), {@code count} the usage entries it sums. {@code feature} is null for usage that named
 * none.
 */
public record UsageDay(LocalDate date, String creditType, String feature, Amount amount,
                       long count) {
}
