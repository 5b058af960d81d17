package dev.credits.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeriodsTest {
    static final Instant JAN_31 = Instant.parse("2026-01-31T10:00:00Z");

    @Test
    void anniversaries_ofThe31st_clampToMonthEndAndComeBack() {
        List<String> days = new ArrayList<>();
        for (int n = 0; n <= 12; n++) {
            days.add(Periods.anniversary(JAN_31, n).toString().substring(0, 10));
        }
        assertThat(days).containsExactly("2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
                "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30",
                "2026-10-31", "2026-11-30", "2026-12-31", "2027-01-31");
        assertThat(Periods.anniversary(Instant.parse("2028-01-31T00:00:00Z"), 1))
                .isEqualTo(Instant.parse("2028-02-29T00:00:00Z"));
    }

    @Test
    void monthIndex_findsThePeriodAroundClampedAnniversaries() {
        assertThat(Periods.monthIndex(JAN_31, JAN_31)).isZero();
        assertThat(Periods.monthIndex(JAN_31, Instant.parse("2026-02-28T09:59:59Z"))).isZero();
        assertThat(Periods.monthIndex(JAN_31, Instant.parse("2026-02-28T10:00:00Z"))).isOne();
        assertThat(Periods.monthIndex(JAN_31, Instant.parse("2026-03-30T10:00:00Z"))).isOne();
        assertThat(Periods.monthIndex(JAN_31, Instant.parse("2026-03-31T10:00:00Z")))
                .isEqualTo(2);
        Periods.Span span = Periods.allowancePeriod(JAN_31, Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(span.start()).isEqualTo(Instant.parse("2026-02-28T10:00:00Z"));
        assertThat(span.end()).isEqualTo(Instant.parse("2026-03-31T10:00:00Z"));
    }

    @Test
    void isAnniversary_onlyForExactAnniversaries() {
        assertThat(Periods.isAnniversary(JAN_31, Instant.parse("2026-02-28T10:00:00Z"))).isTrue();
        assertThat(Periods.isAnniversary(JAN_31, Instant.parse("2026-02-28T10:00:01Z")))
                .isFalse();
        assertThat(Periods.isAnniversary(JAN_31, Instant.parse("2026-03-28T10:00:00Z")))
                .isFalse();
        assertThat(Periods.isAnniversary(JAN_31, Instant.parse("2025-12-31T10:00:00Z")))
                .isFalse();
    }

    @Test
    void billingPeriod_ofAYearPlan_isTheYearFromTheAnchor() {
        Periods.Span year = Periods.billingPeriod(JAN_31, Interval.YEAR,
                Instant.parse("2026-07-04T00:00:00Z"));
        assertThat(year.start()).isEqualTo(JAN_31);
        assertThat(year.end()).isEqualTo(Instant.parse("2027-01-31T10:00:00Z"));
    }

    @Test
    void prorate_isExactAndRoundsDown() {
        assertThat(Periods.prorate(10_000, 16, 31)).isEqualTo(5_161); // 5161.29…
        assertThat(Periods.prorate(Long.MAX_VALUE, 1, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Periods.prorate(Long.MAX_VALUE / 2, 2_678_400_000_000L, 2_678_400_000_000L))
                .isEqualTo(Long.MAX_VALUE / 2);
        assertThat(Periods.prorate(7, 0, 10)).isZero();
        assertThatThrownBy(() -> Periods.prorate(7, 11, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rolloverCaps_amountInEachScale_percentRoundedDown() {
        assertThat(Rollover.maxAmount("500.00").capUnits(Fixtures.TYPES.require("sms"), 50))
                .isEqualTo(500);
        assertThat(Rollover.maxAmount("500.00").capUnits(Fixtures.TYPES.require("credits"), 0))
                .isEqualTo(50_000);
        assertThat(Rollover.maxPercent(25).capUnits(Fixtures.TYPES.require("sms"), 51))
                .isEqualTo(12);
    }
}
