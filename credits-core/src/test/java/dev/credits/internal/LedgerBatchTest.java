package dev.credits.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditType;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.IdempotencyConflictException;
import dev.credits.IdempotencyKeys;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidAmountException;
import dev.credits.NotFoundException;
import dev.credits.OverdraftLimit;
import dev.credits.SpendResult;
import dev.credits.internal.LedgerBatch.RecordedKey;
import dev.credits.internal.LedgerBatch.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The core's batch step, without storage: replay, conflict, not-found, refusals, sweeps. */
class LedgerBatchTest {
    static final CreditType CREDITS = new CreditType("credits", "Credits", null, 2,
            OverdraftLimit.none(), null);
    static final WalletKey W = new WalletKey("c1", "credits");
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    final Map<WalletKey, WalletState> states = new HashMap<>();
    final Map<String, RecordedKey> recorded = new HashMap<>();

    WalletState wallet() {
        return states.computeIfAbsent(W, k -> new WalletState(k, CREDITS, 0, 0, 0, null));
    }

    Step run(Command<?>... commands) {
        wallet();
        List<Command<?>> batch = List.of(commands);
        List<WalletKey> targets = LedgerBatch.targets(batch, Map.of(), Map.of());
        Step step = LedgerBatch.apply(batch, targets, states, recorded, NOW);
        for (LedgerBatch.NewKey key : step.newKeys()) {
            recorded.put(key.key(), new RecordedKey(key.fingerprint(), key.result()));
        }
        return step;
    }

    static Command.Grant grant(long units, String key) {
        return new Command.Grant(W, units, GrantSource.PURCHASE, 50, null, null, null, "{}", key);
    }

    static Command.Spend spend(long units, String key) {
        return new Command.Spend(W, units, null, null, "{}", key);
    }

    @Test
    void aKeyUsedAgainForTheSameRequest_replaysTheFirstResult_andWritesNothing() {
        GrantRecord first = (GrantRecord) run(grant(1_000, "k1")).outcomes().get(0).result();
        Step again = run(grant(1_000, "k1"));
        assertThat(again.outcomes().get(0).replayed()).isTrue();
        assertThat(again.outcomes().get(0).result()).isEqualTo(first);
        assertThat(again.writesNothing()).isTrue();
        assertThat(wallet().balance).isEqualTo(1_000);
    }

    @Test
    void aKeyRecordedByAPreviousRelease_replaysForTheSameRequest_andConflictsForAnother() {
        GrantRecord first = (GrantRecord) run(grant(1_000, null)).outcomes().get(0).result();
        String legacy = LegacyFingerprint.of(grant(1_000, "old"));
        assertThat(legacy).hasSize(64).doesNotStartWith(Fingerprint.VERSION_PREFIX);
        recorded.put("old", new RecordedKey(legacy, first));
        Step again = run(grant(1_000, "old"));
        assertThat(again.outcomes().get(0).replayed()).isTrue();
        assertThat(again.outcomes().get(0).result()).isEqualTo(first);
        assertThat(run(grant(1_001, "old")).outcomes().get(0).error())
                .isInstanceOf(IdempotencyConflictException.class);
        assertThat(wallet().balance).isEqualTo(1_000);
    }

    @Test
    void aKeyUsedAgainForAnotherRequest_isAConflict_evenInTheSameBatch() {
        Step step = run(grant(1_000, "k1"), grant(2_000, "k1"), grant(1_000, "k1"));
        assertThat(step.outcomes().get(0).error()).isNull();
        assertThat(step.outcomes().get(1).error())
                .isInstanceOf(IdempotencyConflictException.class);
        assertThat(step.outcomes().get(2).replayed()).isTrue();
        assertThat(step.newKeys()).hasSize(1);
        assertThat(wallet().balance).isEqualTo(1_000);
    }

    @Test
    void aRefusedCommand_recordsNoKey_andChangesNothing_soItsRetryIsANewAttempt() {
        run(grant(500, null));
        Step refused = run(spend(600, "s1"));
        assertThat(refused.outcomes().get(0).error())
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(refused.newKeys()).isEmpty();
        assertThat(wallet().balance).isEqualTo(500);
        run(grant(500, null));
        Step retried = run(spend(600, "s1"));
        assertThat(retried.outcomes().get(0).result()).isInstanceOf(SpendResult.class);
        assertThat(wallet().balance).isEqualTo(400);
    }

    @Test
    void aCommandAddressedByAnUnknownHoldOrGrant_isNotFound() {
        List<Command<?>> batch = List.of(new Command.Capture("hld_nope", 1, null),
                new Command.Release("hld_nope", null), new Command.VoidGrant("grt_nope", null,
                        null));
        List<WalletKey> targets = LedgerBatch.targets(batch, Map.of(), Map.of());
        assertThat(targets).containsOnlyNulls();
        Step step = LedgerBatch.apply(batch, targets, states, recorded, NOW);
        assertThat(step.outcomes()).allSatisfy(o -> assertThat(o.error())
                .isInstanceOf(NotFoundException.class));
        assertThat(step.writesNothing()).isTrue();
    }

    @Test
    void aGrantPastWhatALongHolds_isAnInvalidAmount() {
        long nearlyAll = Long.MAX_VALUE - 10;
        WalletState full = new WalletState(W, CREDITS, nearlyAll, 0, 0, null);
        full.grants.put("grt_1", new GrantState("grt_1", "txn_1", nearlyAll, nearlyAll,
                GrantSource.PURCHASE, 50, NOW, null, dev.credits.GrantStatus.ACTIVE, null, "{}",
                NOW, false));
        states.put(W, full);
        Step step = run(grant(100, "big"));
        assertThat(step.outcomes().get(0).error()).isInstanceOf(InvalidAmountException.class);
        assertThat(step.newKeys()).isEmpty();
    }

    @Test
    void aSweepThatExpiresSomething_isWritten_andOneWithNothingDueIsNot() {
        WalletState loaded = new WalletState(W, CREDITS, 700, 0, 0, null);
        loaded.grants.put("grt_1", new GrantState("grt_1", "txn_1", 700, 700,
                GrantSource.PROMOTION, 50, NOW.minusSeconds(60), NOW.minusSeconds(1),
                dev.credits.GrantStatus.ACTIVE, null, "{}", NOW.minusSeconds(60), false));
        states.put(W, loaded);
        Step step = run(new Command.Sweep(W));
        assertThat(step.toSave()).containsExactly(loaded);
        assertThat(loaded.balance).isZero();

        states.put(W, new WalletState(W, CREDITS, 0, 0, 0, null));
        assertThat(run(new Command.Sweep(W)).writesNothing()).isTrue();
    }

    @Test
    void aDerivedKey_replaysWhatItsBareNameRecordedForTheSameCommand_andOnlyThat() {
        String name = "sub:sub_1:2026-03-01T00:00:00Z:allowance:credits";
        String derived = IdempotencyKeys.derived(name);
        Command.Grant command = grant(1_000, derived);
        // What a release before derived keys had a prefix recorded: the bare name, its JSON's hash.
        GrantRecord before = (GrantRecord) run(grant(1_000, null)).outcomes().get(0).result();
        recorded.put(name, new RecordedKey(LegacyFingerprint.of(grant(1_000, name)), before));
        Step replay = run(command);
        assertThat(replay.outcomes().get(0).replayed()).isTrue();
        assertThat(replay.outcomes().get(0).result()).isEqualTo(before);
        assertThat(wallet().balance).isEqualTo(1_000);

        // A client's key imitating another name blocks nothing: the derived command runs.
        String other = "ai:aic_1:capture";
        run(spend(1, other));
        Step fresh = run(grant(5, IdempotencyKeys.derived(other)));
        assertThat(fresh.outcomes().get(0).replayed()).isFalse();
        assertThat(fresh.outcomes().get(0).result()).isInstanceOf(GrantRecord.class);
        assertThat(wallet().balance).isEqualTo(1_004);
    }

    @Test
    void aWalletThatBreaksAnInvariant_failsTheBatch_namingTheWalletAndTheRule() {
        states.put(W, new WalletState(W, CREDITS, 500, 0, 0, null)); // a balance with no grant
        long counted = Invariants.brokenCount();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(spend(1, null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("as loaded").hasMessageContaining("c1")
                .hasMessageContaining("is not the balance 500");
        assertThat(Invariants.brokenCount()).isEqualTo(counted + 1); // the metric's count
        WalletState heldWrong = new WalletState(W, CREDITS, 0, 0, 70, null);
        assertThat(Invariants.violations(heldWrong)).singleElement().asString()
                .contains("active holds reserve 0, not held 70");
    }

    @Test
    void keysInPlay_includeTheBareNameOfEachDerivedKey_andNoneOfUnknownTargets() {
        List<Command<?>> batch = new ArrayList<>(List.of(grant(1, "a"),
                grant(1, IdempotencyKeys.derived("b")), new Command.Release("hld_x", "c")));
        List<WalletKey> targets = LedgerBatch.targets(batch, Map.of(), Map.of());
        assertThat(LedgerBatch.keysInPlay(batch, targets))
                .containsExactly("a", IdempotencyKeys.derived("b"), "b");
    }
}
