package dev.credits.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The previous releases' fingerprints must not change under keys already recorded. */
class LegacyFingerprintTest {

    @Test
    void aPlainVoid_isFingerprintedAsBeforeTheConditionExisted() {
        String json = LegacyFingerprint.json(new Command.VoidGrant("grt_1", "chargeback", "key-1"));
        assertThat(json).isEqualTo(
                "{\"grantId\":\"grt_1\",\"reason\":\"chargeback\",\"idempotencyKey\":\"key-1\"}");
        assertThat(LegacyFingerprint.of(new Command.VoidGrant("grt_1", "chargeback", "key-1")))
                .isNotEqualTo(LegacyFingerprint.of(
                        new Command.VoidGrant("grt_1", "chargeback", "key-1", 500L, null)));
    }

    @Test
    void aCommandsJson_isItsRecordComponentsOnly_notTheMethodsCommandsGained() {
        assertThat(LegacyFingerprint.json(new Command.Release("hld_1", "k")))
                .isEqualTo("{\"holdId\":\"hld_1\",\"idempotencyKey\":\"k\"}");
    }
}
