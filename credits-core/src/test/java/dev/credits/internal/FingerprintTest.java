package dev.credits.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.GrantSource;
import dev.credits.OverdraftLimit;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each command's fingerprint: versioned, changed by every field, not by the key. */
class FingerprintTest {
    static final WalletKey W = new WalletKey("c1", "credits");
    static final WalletKey OTHER_CUSTOMER = new WalletKey("c2", "credits");
    static final WalletKey OTHER_TYPE = new WalletKey("c1", "gems");
    static final Instant T = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void changingAnyOneFieldOfACommand_changesItsFingerprint() {
        List<Command<?>> variants = List.of(
                grant(W, 100, GrantSource.PURCHASE, 50, null, null, null, null),
                grant(OTHER_CUSTOMER, 100, GrantSource.PURCHASE, 50, null, null, null, null),
                grant(OTHER_TYPE, 100, GrantSource.PURCHASE, 50, null, null, null, null),
                grant(W, 101, GrantSource.PURCHASE, 50, null, null, null, null),
                grant(W, 100, GrantSource.PROMOTION, 50, null, null, null, null),
                grant(W, 100, GrantSource.PURCHASE, 51, null, null, null, null),
                grant(W, 100, GrantSource.PURCHASE, 50, T, null, null, null),
                grant(W, 100, GrantSource.PURCHASE, 50, null, T, null, null),
                grant(W, 100, GrantSource.PURCHASE, 50, null, null, "", null),
                grant(W, 100, GrantSource.PURCHASE, 50, null, null, "-", null),
                grant(W, 100, GrantSource.PURCHASE, 50, null, null, null, "{}"),
                // a field's text cannot run into the next one's
                grant(W, 100, GrantSource.PURCHASE, 50, null, null, "a\nmetadata=2:{}", null),
                new Command.Spend(W, 100, null, null, null, "k"),
                new Command.Spend(W, 100, "chat", null, null, "k"),
                new Command.Spend(W, 100, null, "chat", null, "k"),
                new Command.Spend(W, 100, null, null, "{\"a\":1}", "k"),
                new Command.Adjust(W, 100, "r", null, "k"),
                new Command.Adjust(W, -100, "r", null, "k"),
                new Command.Hold(W, 100, 60, null, null, "k"),
                new Command.Hold(W, 100, 61, null, null, "k"),
                new Command.Capture("hld_1", 100, "k"),
                new Command.Capture("hld_2", 100, "k"),
                new Command.Capture("hld_1", 99, "k"),
                new Command.Release("hld_1", "k"),
                new Command.VoidGrant("grt_1", null, "k"),
                new Command.VoidGrant("grt_1", "r", "k"),
                new Command.VoidGrant("grt_1", null, "k", 5L, null),
                new Command.VoidGrant("grt_1", null, "k", null, 5L),
                new Command.SetOverdraftLimit(W, null),
                new Command.SetOverdraftLimit(W, OverdraftLimit.of(0)),
                new Command.SetOverdraftLimit(W, OverdraftLimit.ofUnlimited()),
                new Command.Sweep(W));
        Set<String> seen = new HashSet<>();
        for (Command<?> command : variants) {
            String fingerprint = command.fingerprint();
            assertThat(fingerprint).as(command.toString()).startsWith("v2:").hasSize(67);
            assertThat(seen.add(fingerprint)).as("a second " + command).isTrue();
        }
    }

    @Test
    void theKeyIsNotPartOfTheRequest_andTheSameFieldsGiveTheSameFingerprint() {
        assertThat(new Command.Spend(W, 100, "chat", null, null, "k1").fingerprint())
                .isEqualTo(new Command.Spend(W, 100, "chat", null, null, "k2").fingerprint())
                .isEqualTo(new Command.Spend(W, 100, "chat", null, null, null).fingerprint());
        assertThat(Fingerprint.isCurrent(new Command.Release("hld_1", "k").fingerprint()))
                .isTrue();
        assertThat(Fingerprint.isCurrent(LegacyFingerprint.of(new Command.Release("hld_1", "k"))))
                .isFalse();
    }

    private static Command.Grant grant(WalletKey wallet, long units, GrantSource source,
                                       int priority, Instant effectiveAt, Instant expiresAt,
                                       String reason, String metadata) {
        return new Command.Grant(wallet, units, source, priority, effectiveAt, expiresAt, reason,
                metadata, "k");
    }
}
