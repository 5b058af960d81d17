package dev.credits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AmountTest {

    @ParameterizedTest
    @CsvSource({"10.50,2,1050,10.50", "10,2,1000,10.00", "0.01,2,1,0.01", "-3,0,-3,-3",
            "1000000000000,2,100000000000000,1000000000000.00", "0.000000001,9,1,0.000000001",
            "7,0,7,7"})
    void parse_exactDecimal_rendersWithScale(String text, int scale, long units, String rendered) {
        Amount amount = Amount.parse(text, scale);
        assertThat(amount.units()).isEqualTo(units);
        assertThat(amount.toString()).isEqualTo(rendered);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.505", "0.001", "1.000"})
    void parse_tooManyDecimals_isRejectedNotRounded(String text) {
        assertThatThrownBy(() -> Amount.parse(text, 2))
                .isInstanceOf(InvalidAmountException.class).hasMessageContaining("decimal places");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000000000000.01", "1000000000001", "-1000000000001",
            "99999999999999999999999"})
    void parse_overTenToTheTwelve_isRejected(String text) {
        assertThatThrownBy(() -> Amount.parse(text, 2)).isInstanceOf(InvalidAmountException.class);
    }

    @Test
    void parse_valueThatDoesNotFitALong_isRejected() {
        // 10^12 whole credits at scale 9 would be 10^21 units: more than a long holds.
        assertThatThrownBy(() -> Amount.parse("1000000000000", 9))
                .isInstanceOf(InvalidAmountException.class).hasMessageContaining("range");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1e3", "+5", " 5", "5 ", "1,5", "0x10", ".5", "5.", "--1",
            "NaN", "Infinity"})
    void parse_notADecimal_isRejected(String text) {
        assertThatThrownBy(() -> Amount.parse(text, 2)).isInstanceOf(InvalidAmountException.class);
    }

    @Test
    void parse_null_isRejected() {
        assertThatThrownBy(() -> Amount.parse((String) null, 2))
                .isInstanceOf(InvalidAmountException.class).hasMessageContaining("required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0.00", "-1.00"})
    void parsePositive_zeroOrNegative_isRejected(String text) {
        assertThatThrownBy(() -> Amount.parsePositive(text, 2))
                .isInstanceOf(InvalidAmountException.class).hasMessageContaining("greater than zero");
    }

    @Test
    void parse_jsonNumberAsBigDecimal_isExact() {
        assertThat(Amount.parse(new BigDecimal("1E+3"), 2).units()).isEqualTo(100_000);
        assertThatThrownBy(() -> Amount.parse(new BigDecimal("0.125"), 2))
                .isInstanceOf(InvalidAmountException.class);
    }

    @Test
    void parse_numberWithAHugeExponent_isRejectedAtOnce() {
        for (String text : new String[] {"1e999999999", "1e-999999999", "-1e99999999"}) {
            assertThatThrownBy(() -> Amount.parse(new BigDecimal(text), 2))
                    .isInstanceOf(InvalidAmountException.class)
                    .hasMessageContaining("out of range");
        }
    }

    @Test
    void arithmetic_overflow_isAnErrorNotAWrap() {
        Amount max = new Amount(Long.MAX_VALUE, 0);
        assertThatThrownBy(() -> max.plus(new Amount(1, 0)))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> new Amount(Long.MIN_VALUE, 0).negate())
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void scale_outside0to9_isRejected() {
        assertThatThrownBy(() -> new Amount(1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Amount(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overdraftLimit_parsesUnlimitedAndDecimals() {
        assertThat(OverdraftLimit.parse("unlimited", 2).unlimited()).isTrue();
        assertThat(OverdraftLimit.parse("50.00", 2).units()).isEqualTo(5000);
        assertThat(OverdraftLimit.parse("50.00", 2).permits(-5000)).isTrue();
        assertThat(OverdraftLimit.parse("50.00", 2).permits(-5001)).isFalse();
        assertThatThrownBy(() -> OverdraftLimit.parse("-1", 2))
                .isInstanceOf(InvalidAmountException.class);
    }

    @Test
    void customerIds_outsideThePattern_areRejected() {
        assertThat(CustomerIds.requireValid("team:7")).isEqualTo("team:7");
        assertThat(CustomerIds.requireValid("a".repeat(128))).hasSize(128);
        for (String bad : new String[] {"", "a".repeat(129), "a b", "é", "a/b", null}) {
            assertThatThrownBy(() -> CustomerIds.requireValid(bad))
                    .isInstanceOf(ValidationException.class);
        }
    }
}
