package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.Amount;
import dev.credits.CreditsException;
import dev.credits.IdempotencyConflictException;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidAmountException;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.OverloadedException;
import dev.credits.StorageUnavailableException;
import dev.credits.UnknownCreditTypeException;
import dev.credits.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every typed failure has a row in the one code → status table: none becomes a 500 silently. */
class ProblemCodeTest {

    @Test
    void everyTypedFailure_hasAStatusOtherThan500() {
        Amount one = Amount.ofUnits(100, 2);
        List<CreditsException> failures = List.of(
                new InsufficientCreditsException(one, one, one),
                new InvalidAmountException("x"), new InvalidStateException("x"),
                new NotFoundException("x"), new IdempotencyConflictException("k"),
                new ValidationException("f", "x"), new UnknownCreditTypeException("gold"),
                new StorageUnavailableException("x", null), new OverloadedException("x"),
                RequestRejectedException.malformed("x"), RequestRejectedException.tooLarge(),
                RequestRejectedException.unauthorized("x"),
                RequestRejectedException.unsupportedMediaType("x"),
                new dev.credits.payments.InvalidSignatureException("x"),
                new dev.credits.payments.PaymentProviderException("x", null));
        for (CreditsException failure : failures) {
            assertThat(ProblemCode.of(failure.code())).as(failure.getClass().getSimpleName())
                    .isNotNull();
            assertThat(Problems.kind(failure.code()).status()).isNotEqualTo(500);
        }
        assertThat(ProblemCode.of("no_such_code")).isNull();
        assertThat(Problems.kind("no_such_code").status()).isEqualTo(500);
    }

    @Test
    void wireNames_areUnique() {
        assertThat(java.util.Arrays.stream(ProblemCode.values()).map(c -> c.wireName).distinct())
                .hasSize(ProblemCode.values().length);
    }
}
