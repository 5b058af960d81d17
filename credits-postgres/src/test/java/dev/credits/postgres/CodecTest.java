package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.internal.Command;
import org.junit.jupiter.api.Test;

/** Request fingerprints must not change under keys already recorded. */
class CodecTest {

    @Test
    void aPlainVoid_isFingerprintedAsBeforeTheConditionExisted() {
        String json = Codec.write(new Command.VoidGrant("grt_1", "chargeback", "key-1"));
        assertThat(json).isEqualTo(
                "{\"grantId\":\"grt_1\",\"reason\":\"chargeback\",\"idempotencyKey\":\"key-1\"}");
        assertThat(Codec.fingerprint(new Command.VoidGrant("grt_1", "chargeback", "key-1")))
                .isNotEqualTo(Codec.fingerprint(
                        new Command.VoidGrant("grt_1", "chargeback", "key-1", 500L, null)));
    }
}
