package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.GrantRecord;
import dev.credits.History;
import dev.credits.IdempotencyKeys;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidAmountException;
import dev.credits.OverdraftLimit;
import dev.credits.Spend;
import dev.credits.ValidationException;
import dev.credits.Wallet;
import dev.credits.internal.Command;
import dev.credits.internal.WalletKey;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a hostile or careless caller of the Java API sends: keys that imitate the server's own,
 * metadata that could not be read back, times outside what is stored, sums past a long. Each is
 * a typed error that writes nothing, or is stored exactly as answered.
 */
class HostileInputTest {
    static final long E12 = 1_000_000_000_000L;
    static final CreditTypes TYPES = CreditTypes.of(List.of(
            new CreditType("credits", "Credits", null, 2, OverdraftLimit.none(), null),
            new CreditType("micro", "Micro", null, 6, OverdraftLimit.none(), null),
            new CreditType("nano", "Nano", null, 9,
                    OverdraftLimit.of(9_000_000_000L * 1_000_000_000L), null),
            new CreditType("free", "Free", null, 6, OverdraftLimit.ofUnlimited(), null)));
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    MutableClock clock;
    PostgresLedger ledger;
    Credits credits;
    Wallet wallet;

    @BeforeEach
    void open() {
        clock = new MutableClock(T0);
        ledger = TestDatabase.openLedger(clock, TYPES);
        credits = ledger.credits();
        wallet = credits.wallet("user_1", "credits");
        wallet.grant(Grant.of("100.00"));
    }

    @AfterEach
    void close() {
        assertThat(credits.verify().violations()).isEmpty();
        ledger.close();
    }

    // ---- connections

    @Test
    void aSpend_commitsEvenWhileOtherWorkHoldsEveryConnectionOfTheSharedPool()
            throws Exception {
        javax.sql.DataSource shared = ledger.dataSource();
        List<java.sql.Connection> taken = new ArrayList<>();
        try {
            for (int i = 0; i < TestDatabase.newConfig(clock, TYPES).poolSize(); i++) {
                taken.add(shared.getConnection()); // plans or AI traffic, say, holding them all
            }
            // With one pool this waited 5 s for a connection and failed as unavailable.
            wallet.spend(Spend.of("1.00"));
        } finally {
            for (java.sql.Connection c : taken) {
                c.close();
            }
        }
        assertThat(wallet.balance().toString()).isEqualTo("99.00");
    }

    // ---- keys

    @Test
    void aCallersKey_cannotTakeADerivedKey() {
        String derived = IdempotencyKeys.derived("ai:aic_1:capture");
        assertThatThrownBy(() -> wallet.spend(Spend.of("1.00").idempotencyKey(derived)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> wallet.grant(Grant.of("1.00").idempotencyKey(derived)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> wallet.hold("1.00", Duration.ofMinutes(1), null, derived))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> wallet.adjust("-1.00", "x", derived))
                .isInstanceOf(ValidationException.class);
        assertThat(wallet.balance().toString()).isEqualTo("100.00");
    }

    @Test
    void aKeyThatLooksDerived_isACallersKey_andNeverMeetsTheDerivedOne() {
        // The attack of issue 9: the client takes the name the server will use for a capture.
        wallet.spend(Spend.of("1.00").idempotencyKey("ai:aic_1:capture"));
        Object result = credits.run(new Command.Grant(new WalletKey("user_1", "credits"), 500,
                dev.credits.GrantSource.SUBSCRIPTION, 50, null, null, null, "{}",
                IdempotencyKeys.derived("ai:aic_1:capture")));
        assertThat(result).isInstanceOf(GrantRecord.class);
        assertThat(wallet.balance().toString()).isEqualTo("104.00");
    }

    @Test
    void aStepRecordedUnderItsBareNameBeforeTheUpgrade_replays_andIsNeverMadeTwice()
            throws Exception {
        String name = "sub:sub_1:2026-03-01T00:00:00Z:allowance:credits";
        WalletKey key = new WalletKey("user_1", "credits");
        // What the code before derived keys had a prefix recorded for a period's grant: the
        // bare name, under the fingerprint of that release.
        Command.Grant bare = new Command.Grant(key, 500, dev.credits.GrantSource.SUBSCRIPTION, 50,
                null, null, null, "{}", name);
        GrantRecord before = credits.run(bare);
        try (java.sql.Connection c = ledger.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement(
                     "update idempotency_keys set fingerprint = ? where key = ?")) {
            ps.setString(1, dev.credits.internal.LegacyFingerprint.of(bare));
            ps.setString(2, name);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        GrantRecord after = (GrantRecord) credits.run(new Command.Grant(key, 500,
                dev.credits.GrantSource.SUBSCRIPTION, 50, null, null, null, "{}",
                IdempotencyKeys.derived(name)));
        assertThat(after.id()).isEqualTo(before.id());
        assertThat(wallet.balance().toString()).isEqualTo("105.00");
    }

    // ---- metadata

    @Test
    void metadata_thatCouldNotBeReadBack_isRefused() {
        List<Map<String, Object>> bad = new ArrayList<>();
        bad.add(Map.of("n", new BigDecimal("1e1000")));
        bad.add(Map.of("n", new BigDecimal("1e400000")));
        bad.add(Map.of("n", new BigDecimal("1e-41")));
        bad.add(Map.of("n", new BigInteger("1" + "0".repeat(40))));
        bad.add(Map.of("deep", nested(JSON_DEPTH_MAX + 1)));
        bad.add(Map.of("deep", nested(997)));
        bad.add(Map.of("text", "lone \ud800 surrogate"));
        bad.add(Map.of("key \udc00", 1));
        for (Map<String, Object> metadata : bad) {
            assertThatThrownBy(() -> wallet.grant(Grant.of("1.00").metadata(metadata)))
                    .as(metadata.keySet().toString()).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> wallet.spend(Spend.of("1.00").metadata(metadata)))
                    .isInstanceOf(ValidationException.class);
        }
        assertThat(wallet.balance().toString()).isEqualTo("100.00");
    }

    @Test
    void metadata_atTheLimits_isStoredAndReadBackAsSent() {
        Map<String, Object> metadata = Map.of("big", new BigInteger("9".repeat(40)),
                "small", new BigDecimal("0." + "0".repeat(38) + "1"),
                "deep", nested(JSON_DEPTH_MAX), "emoji", "\ud83d\ude00");
        GrantRecord grant = wallet.grant(Grant.of("1.00").metadata(metadata));
        GrantRecord read = credits.grant(grant.id());
        assertThat(read.metadata().get("big").toString()).isEqualTo("9".repeat(40));
        assertThat(new BigDecimal(read.metadata().get("small").toString()))
                .isEqualByComparingTo(new BigDecimal("1e-39"));
        assertThat(read.metadata().get("emoji")).isEqualTo("\ud83d\ude00");
        assertThat(credits.history("user_1", History.query()).data()).isNotEmpty();
    }

    private static final int JSON_DEPTH_MAX = dev.credits.internal.Json.METADATA_DEPTH_MAX;

    /** A value that makes {@code {"deep": value}} nested {@code levels} deep in all. */
    private static Object nested(int levels) {
        Object value = 1;
        for (int i = 1; i < levels; i++) {
            value = List.of(value);
        }
        return value;
    }

    @Test
    void textWithALoneSurrogate_isRefused() {
        assertThatThrownBy(() -> wallet.spend(Spend.of("1.00").reason("bad \ud800")))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> wallet.spend(Spend.of("1.00").feature("\udfff")))
                .isInstanceOf(ValidationException.class);
        wallet.spend(Spend.of("1.00").reason("good \ud83d\ude00"));
        assertThat(credits.history("user_1", History.query().limit(1)).data().get(0).reason())
                .isEqualTo("good \ud83d\ude00");
    }

    // ---- times

    @Test
    void timesOutsideYears1To9999_areRefused_andFineOnesAreStoredAsAnswered() {
        for (Instant far : List.of(Instant.parse("+584556079-01-01T00:00:00Z"),
                Instant.parse("-584551900-01-01T00:00:00Z"),
                Instant.parse("+294277-01-01T00:00:00Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("0000-12-31T23:59:59Z"))) {
            assertThatThrownBy(() -> wallet.grant(Grant.of("1.00").expiresAt(far)))
                    .as(far.toString()).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> wallet.grant(Grant.of("1.00").effectiveAt(far)))
                    .isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> wallet.balanceAt(far))
                    .isInstanceOf(ValidationException.class);
        }
        Instant fine = Instant.parse("9999-12-31T23:59:59.999999999Z");
        GrantRecord grant = wallet.grant(Grant.of("1.00").expiresAt(fine));
        assertThat(grant.expiresAt()).isEqualTo(Instant.parse("9999-12-31T23:59:59.999999Z"));
        assertThat(credits.grant(grant.id()).expiresAt()).isEqualTo(grant.expiresAt());
    }

    // ---- sums past a long

    @Test
    void aHoldThatWouldTakeAvailablePastALong_isRefused_notWrapped() {
        Wallet micro = credits.wallet("big", "micro");
        for (int i = 0; i < 9; i++) {
            micro.adjust("-" + E12, "push", null);
        }
        assertThatThrownBy(() -> micro.hold(String.valueOf(E12), Duration.ofMinutes(1)))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThatThrownBy(() -> micro.spend(Spend.of(String.valueOf(E12))))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(micro.available().toString()).isEqualTo("-9000000000000.000000");
        assertThat(micro.state().held().units()).isZero();
    }

    @Test
    void withAHugeOverdraft_aHoldPastALong_isRefused_notWrapped() {
        Wallet nano = credits.wallet("big", "nano");
        nano.spend(Spend.of("9000000000"));
        assertThatThrownBy(() -> nano.hold("9000000000", Duration.ofMinutes(1)))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(nano.available().toString()).isEqualTo("-9000000000.000000000");
    }

    @Test
    void withAnUnlimitedOverdraft_whatCannotBeRecorded_isAnInvalidAmount() {
        Wallet free = credits.wallet("big", "free");
        for (int i = 0; i < 9; i++) {
            free.spend(Spend.of(String.valueOf(E12)));
        }
        assertThatThrownBy(() -> free.hold(String.valueOf(E12), Duration.ofMinutes(1)))
                .isInstanceOf(InvalidAmountException.class);
        assertThatThrownBy(() -> free.spend(Spend.of(String.valueOf(E12))))
                .isInstanceOf(InvalidAmountException.class);
        assertThat(free.balance().toString()).isEqualTo("-9000000000000.000000");
    }

    @Test
    void aDaysUsagePastALong_isRefusedInTheDailyView_andReadableEntryByEntry() {
        Wallet free = credits.wallet("big", "free");
        for (int i = 0; i < 9; i++) {
            free.spend(Spend.of(String.valueOf(E12)).feature("chat"));
        }
        free.adjust(String.valueOf(E12), "room", null);
        for (int i = 0; i < 2; i++) {
            free.adjust(String.valueOf(E12), "room", null);
            free.spend(Spend.of(String.valueOf(E12)).feature("chat"));
        }
        assertThatThrownBy(() -> free.history(History.query().groupDaily()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("group=none");
        assertThat(free.history(History.query().limit(500)).data()).hasSize(14);
    }
}
