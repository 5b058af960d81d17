package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.GrantRecord;
import dev.credits.GrantStatus;
import dev.credits.HoldRecord;
import dev.credits.HoldStatus;
import dev.credits.IdempotencyConflictException;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidStateException;
import dev.credits.OverdraftLimit;
import dev.credits.Spend;
import dev.credits.SpendResult;
import dev.credits.Wallet;
import dev.credits.WalletBalance;
import dev.credits.memory.InMemoryLedgerStore;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of grants, spends, holds, captures, releases, voids, adjustments, overdraft
 * changes and clock advances, checked after every step against a small in-memory model; the
 * ledger's invariants are verified after every sequence. The seed of a failing sequence is in
 * the failure message; replay one with {@code -Dcredits.seed=SEED -Dcredits.sequences=1}.
 */
class ModelBasedTest {
    static final int SEQUENCES = Integer.getInteger("credits.sequences", 500);
    static final int STEPS = 24;
    /** Sequences run on the in-memory store, with faults, per CI run. */
    static final int MEMORY_SEQUENCES = Integer.getInteger("credits.memory.sequences", 100_000);
    /** Sequences of the in-memory run that share one ledger (and one group committer). */
    static final int MEMORY_SEQUENCES_PER_LEDGER = 2_000;
    static final int ATTEMPTS_MAX = 20;
    static final long BASE_SEED = Long.getLong("credits.seed", System.nanoTime());

    @Test
    void randomSequences_matchTheReferenceModel() {
        System.out.println("ModelBasedTest base seed " + BASE_SEED + " (" + SEQUENCES
                + " sequences)");
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        CreditTypes types = CreditTypes.of(List.of(new CreditType("credits", "Credits", null, 2,
                OverdraftLimit.none(), 5_000L)));
        try (Credits credits = TestDatabase.open(clock, types)) {
            for (int i = 0; i < SEQUENCES; i++) {
                long seed = BASE_SEED + i;
                try {
                    new Sequence(credits, clock, seed).run();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("sequence failed; replay with -Dcredits.seed=" + seed
                            + " -Dcredits.sequences=1: " + e.getMessage(), e);
                }
                if (i % 25 == 24 || i == SEQUENCES - 1) {
                    assertThat(credits.verify().violations()).as("verify after seed " + seed)
                            .isEmpty();
                }
            }
        }
    }

    /**
     * The same sequences, 100,000 of them, through the real group committer and the core's
     * batch step on the in-memory store, which fails batches as a database can: before commit
     * (nothing written), after commit with the answer lost, and down for several batches. Every
     * call retries with its key until it gets an answer, so the model applies it once: a
     * command applied twice, or lost, or a retry that does not replay the first answer, breaks
     * the match. The same base seed replays it ({@code -Dcredits.memory.sequences=N}).
     */
    @Test
    void randomSequences_withFaults_onTheInMemoryStore_matchTheReferenceModel() {
        System.out.println("ModelBasedTest (in memory, with faults) base seed " + BASE_SEED
                + " (" + MEMORY_SEQUENCES + " sequences)");
        CreditTypes types = CreditTypes.of(List.of(new CreditType("credits", "Credits", null, 2,
                OverdraftLimit.none(), 5_000L)));
        SeededFaults faults = new SeededFaults();
        long injected = 0;
        for (int first = 0; first < MEMORY_SEQUENCES; first += MEMORY_SEQUENCES_PER_LEDGER) {
            MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
            InMemoryLedgerStore store = new InMemoryLedgerStore(types);
            store.faults(faults);
            // Every other ledger applies commands through the group committer, the rest on the
            // caller's thread (as with group commit off): both paths meet the same faults.
            boolean groupCommit = (first / MEMORY_SEQUENCES_PER_LEDGER) % 2 == 0;
            CreditsConfig config = CreditsConfig.defaults().withClock(clock)
                    .withCreditTypes(types).withSweepIntervalMs(0).withGroupCommit(groupCommit);
            try (Credits credits = Credits.open(config, store)) {
                int last = Math.min(MEMORY_SEQUENCES, first + MEMORY_SEQUENCES_PER_LEDGER);
                for (int i = first; i < last; i++) {
                    long seed = BASE_SEED + i;
                    faults.reset(seed);
                    try {
                        new Sequence(credits, clock, seed).run();
                    } catch (AssertionError | RuntimeException e) {
                        throw new AssertionError("in-memory sequence failed; replay with"
                                + " -Dcredits.seed=" + seed + " -Dcredits.memory.sequences=1: "
                                + e.getMessage(), e);
                    }
                }
                faults.reset(BASE_SEED);
                faults.off();
                assertThat(credits.verify().violations()).as("verify after sequence " + last)
                        .isEmpty();
            }
            injected += faults.injected;
        }
        System.out.println("ModelBasedTest (in memory): " + injected + " faults injected");
        assertThat(injected).as("faults injected").isPositive();
    }

    /** Fails batches at random, from a seed: before commit, after commit, down for a while. */
    static final class SeededFaults implements InMemoryLedgerStore.Faults {
        Random random = new Random();
        int downBatches;
        long injected;
        boolean on = true;

        void reset(long seed) {
            random = new Random(seed ^ 0x5DEECE66DL);
            downBatches = 0;
            on = true;
        }

        void off() {
            on = false;
        }

        @Override
        public void beforeCommit(List<dev.credits.internal.Command<?>> commands) {
            if (!on) {
                return;
            }
            if (downBatches > 0) {
                downBatches--;
                fail("the store is down");
            }
            int roll = random.nextInt(100);
            if (roll < 1) {
                downBatches = 1 + random.nextInt(4);
                fail("the store went down");
            } else if (roll < 5) {
                fail("the batch failed before commit");
            }
        }

        @Override
        public void afterCommit(List<dev.credits.internal.Command<?>> commands) {
            if (on && random.nextInt(100) < 3) {
                fail("the answer was lost after commit");
            }
        }

        private void fail(String why) {
            injected++;
            throw InMemoryLedgerStore.unavailable(why);
        }
    }

    /** The reference: grants with remaining, debt, holds. Deliberately simple. */
    static final class ModelGrant {
        final String id;
        final long amount;
        long remaining;
        final int priority;
        final Instant effectiveAt;
        final Instant expiresAt;
        GrantStatus status;

        ModelGrant(String id, long amount, long remaining, int priority, Instant effectiveAt,
                   Instant expiresAt) {
            this.id = id;
            this.amount = amount;
            this.remaining = remaining;
            this.priority = priority;
            this.effectiveAt = effectiveAt;
            this.expiresAt = expiresAt;
            this.status = remaining > 0 ? GrantStatus.ACTIVE : GrantStatus.DEPLETED;
        }
    }

    record ModelHold(String id, long amount, Instant expiresAt, HoldStatus[] status) {
    }

    static final class Sequence {
        final Credits credits;
        final MutableClock clock;
        final Random random;
        final Wallet wallet;
        final Map<String, ModelGrant> grants = new HashMap<>();
        final List<ModelHold> holds = new ArrayList<>();
        long debt;
        OverdraftLimit limit = OverdraftLimit.none();

        final long seed;
        int operations;

        Sequence(Credits credits, MutableClock clock, long seed) {
            this.credits = credits;
            this.clock = clock;
            this.seed = seed;
            this.random = new Random(seed);
            this.wallet = credits.wallet("model_" + seed, "credits");
        }

        void run() {
            for (int step = 0; step < STEPS; step++) {
                int op = random.nextInt(100);
                String what;
                if (op < 22) {
                    what = grant();
                } else if (op < 47) {
                    what = spend();
                } else if (op < 57) {
                    what = hold();
                } else if (op < 65) {
                    what = capture();
                } else if (op < 70) {
                    what = release();
                } else if (op < 76) {
                    what = voidGrant();
                } else if (op < 82) {
                    what = adjust();
                } else if (op < 86) {
                    what = overdraft();
                } else {
                    long seconds = random.nextInt(3600);
                    clock.advance(Duration.ofSeconds(seconds));
                    what = "advance " + seconds + "s";
                }
                expire();
                check("step " + step + " (" + what + ")");
            }
        }

        Instant now() {
            return credits.now();
        }

        /** A key per operation: a retry after an outage replays, never applies twice. */
        String nextKey() {
            return "m" + seed + "-" + ++operations;
        }

        /**
         * Runs a ledger call, retrying it with its key while the store is unavailable (only the
         * in-memory store injects that): the model then applies it once.
         */
        <T> T attempt(java.util.function.Supplier<T> call) {
            for (int attempt = 1; ; attempt++) {
                try {
                    return call.get();
                } catch (dev.credits.StorageUnavailableException e) {
                    if (attempt >= ATTEMPTS_MAX) {
                        throw e;
                    }
                }
            }
        }

        /** Activations and expiries that fell due, in time order (then by grant id). */
        void expire() {
            Instant now = now();
            while (true) {
                ModelGrant next = null;
                Instant nextAt = null;
                for (ModelGrant g : grants.values()) {
                    Instant at = g.status == GrantStatus.SCHEDULED ? g.effectiveAt
                            : g.status == GrantStatus.ACTIVE ? g.expiresAt : null;
                    if (at != null && !at.isAfter(now) && (next == null || at.isBefore(nextAt)
                            || at.equals(nextAt) && g.id.compareTo(next.id) < 0)) {
                        next = g;
                        nextAt = at;
                    }
                }
                if (next == null) {
                    break;
                }
                if (next.status == GrantStatus.SCHEDULED) {
                    long paid = Math.min(debt, next.amount);
                    debt -= paid;
                    next.remaining = next.amount - paid;
                    next.status = next.remaining > 0 ? GrantStatus.ACTIVE : GrantStatus.DEPLETED;
                } else {
                    next.status = GrantStatus.EXPIRED;
                    next.remaining = 0;
                }
            }
            for (ModelHold h : holds) {
                if (h.status[0] == HoldStatus.HELD && !h.expiresAt.isAfter(now)) {
                    h.status[0] = HoldStatus.EXPIRED;
                }
            }
        }

        long balance() {
            return grants.values().stream().filter(g -> g.status == GrantStatus.ACTIVE)
                    .mapToLong(g -> g.remaining).sum() - debt;
        }

        long held() {
            return holds.stream().filter(h -> h.status[0] == HoldStatus.HELD)
                    .mapToLong(ModelHold::amount).sum();
        }

        String grant() {
            expire();
            long amount = 1 + random.nextInt(10_000);
            int priority = random.nextInt(4) * 25;
            if (random.nextInt(6) == 0) {
                return scheduledGrant(amount, priority);
            }
            Instant expiresAt = random.nextBoolean() ? null
                    : now().plusSeconds(60 + random.nextInt(7200));
            Instant effectiveAt = random.nextInt(4) == 0 ? now().minusSeconds(random.nextInt(900))
                    : null;
            String key = nextKey();
            GrantRecord r = attempt(() -> wallet.grant(Grant.of(units(amount)).priority(priority)
                    .expiresAt(expiresAt).effectiveAt(effectiveAt).idempotencyKey(key)));
            if (random.nextInt(4) == 0) {
                // The same key again: the same request replays; another one is a conflict.
                assertThat(attempt(() -> wallet.grant(Grant.of(units(amount)).priority(priority)
                        .expiresAt(expiresAt).effectiveAt(effectiveAt).idempotencyKey(key))).id())
                        .isEqualTo(r.id());
                int otherPriority = (priority + 25) % 100;
                assertThatThrownBy(() -> attempt(() -> wallet.grant(Grant.of(units(amount))
                        .priority(otherPriority).expiresAt(expiresAt).effectiveAt(effectiveAt)
                        .idempotencyKey(key)))).isInstanceOf(IdempotencyConflictException.class);
            }
            long paid = Math.min(debt, amount);
            debt -= paid;
            grants.put(r.id(), new ModelGrant(r.id(), amount, amount - paid, priority,
                    effectiveAt == null ? now() : effectiveAt, expiresAt));
            assertThat(r.remaining().units()).isEqualTo(amount - paid);
            return "grant " + amount;
        }

        /** A grant effective later: outside the balance until then. */
        String scheduledGrant(long amount, int priority) {
            Instant effectiveAt = now().plusSeconds(1 + random.nextInt(3600));
            Instant expiresAt = random.nextBoolean() ? null
                    : effectiveAt.plusSeconds(60 + random.nextInt(7200));
            String key = nextKey();
            GrantRecord r = attempt(() -> wallet.grant(Grant.of(units(amount)).priority(priority)
                    .expiresAt(expiresAt).effectiveAt(effectiveAt).idempotencyKey(key)));
            ModelGrant g = new ModelGrant(r.id(), amount, amount, priority, effectiveAt,
                    expiresAt);
            g.status = GrantStatus.SCHEDULED;
            grants.put(r.id(), g);
            assertThat(r.status()).isEqualTo(GrantStatus.SCHEDULED);
            return "grant " + amount + " effective at " + effectiveAt;
        }

        String spend() {
            expire();
            long amount = 1 + random.nextInt(6_000);
            boolean fits = limit.permits(balance() - held() - amount);
            try {
                String key = nextKey();
                SpendResult first = attempt(() -> wallet.spend(Spend.of(units(amount))
                        .idempotencyKey(key)));
                assertThat(fits).as("spend of %d should have been refused", amount).isTrue();
                burn(amount);
                if (random.nextInt(4) == 0) {
                    // The same key again: the same request replays; another one is a conflict.
                    assertThat(attempt(() -> wallet.spend(Spend.of(units(amount))
                            .idempotencyKey(key))).transactionId())
                            .isEqualTo(first.transactionId());
                    assertThatThrownBy(() -> attempt(() -> wallet.spend(Spend.of(
                            units(amount + 1)).idempotencyKey(key))))
                            .isInstanceOf(IdempotencyConflictException.class);
                }
            } catch (InsufficientCreditsException e) {
                assertThat(fits).as("spend of %d should have succeeded", amount).isFalse();
            }
            return "spend " + amount;
        }

        void burn(long amount) {
            List<ModelGrant> order = new ArrayList<>(grants.values().stream()
                    .filter(g -> g.status == GrantStatus.ACTIVE).toList());
            order.sort(Comparator.comparingInt((ModelGrant g) -> g.priority)
                    .thenComparing(g -> g.expiresAt, Comparator.nullsLast(Comparator.naturalOrder()))
                    .thenComparing(g -> g.effectiveAt).thenComparing(g -> g.id));
            long left = amount;
            for (ModelGrant g : order) {
                long take = Math.min(left, g.remaining);
                g.remaining -= take;
                left -= take;
                if (g.remaining == 0) {
                    g.status = GrantStatus.DEPLETED;
                }
            }
            debt += left;
        }

        String hold() {
            expire();
            long amount = 1 + random.nextInt(4_000);
            boolean fits = limit.permits(balance() - held() - amount);
            try {
                Duration lifetime = Duration.ofSeconds(60 + random.nextInt(3600));
                String key = nextKey();
                var h = attempt(() -> wallet.hold(units(amount), lifetime, null, key));
                assertThat(fits).as("hold of %d should have been refused", amount).isTrue();
                holds.add(new ModelHold(h.id(), amount, h.record().expiresAt(),
                        new HoldStatus[] {HoldStatus.HELD}));
            } catch (InsufficientCreditsException e) {
                assertThat(fits).as("hold of %d should have succeeded", amount).isFalse();
            }
            return "hold " + amount;
        }

        String capture() {
            if (holds.isEmpty()) {
                return "capture (none)";
            }
            expire();
            ModelHold h = holds.get(random.nextInt(holds.size()));
            long amount = 1 + random.nextInt((int) (h.amount() * 2));
            long extra = Math.max(0, amount - h.amount());
            boolean held = h.status()[0] == HoldStatus.HELD;
            boolean fits = extra == 0
                    || limit.permits(balance() - amount - (held() - h.amount()));
            try {
                String key = nextKey();
                attempt(() -> credits.capture(h.id(), units(amount), key));
                assertThat(held && fits).as("capture %d of %s", amount, h).isTrue();
                h.status()[0] = HoldStatus.CAPTURED;
                burn(amount);
            } catch (InvalidStateException e) {
                assertThat(held).as("capture of a held hold refused").isFalse();
            } catch (InsufficientCreditsException e) {
                assertThat(held && !fits).as("capture %d refused", amount).isTrue();
            }
            return "capture " + amount + " of " + h.amount();
        }

        String release() {
            if (holds.isEmpty()) {
                return "release (none)";
            }
            expire();
            ModelHold h = holds.get(random.nextInt(holds.size()));
            boolean held = h.status()[0] == HoldStatus.HELD;
            try {
                String key = nextKey();
                attempt(() -> credits.release(h.id(), key));
                assertThat(held).isTrue();
                h.status()[0] = HoldStatus.RELEASED;
            } catch (InvalidStateException e) {
                assertThat(held).isFalse();
            }
            return "release";
        }

        String voidGrant() {
            if (grants.isEmpty()) {
                return "void (none)";
            }
            expire();
            List<String> ids = new ArrayList<>(grants.keySet());
            ids.sort(null);
            ModelGrant g = grants.get(ids.get(random.nextInt(ids.size())));
            boolean active = g.status == GrantStatus.ACTIVE
                    || g.status == GrantStatus.SCHEDULED;
            try {
                String key = nextKey();
                attempt(() -> credits.voidGrant(g.id, "model", key));
                assertThat(active).isTrue();
                g.status = GrantStatus.VOIDED;
                g.remaining = 0;
            } catch (InvalidStateException e) {
                assertThat(active).isFalse();
            }
            return "void " + g.id;
        }

        String adjust() {
            expire();
            long amount = (1 + random.nextInt(3_000)) * (random.nextBoolean() ? 1 : -1);
            String key = nextKey();
            var t = attempt(() -> wallet.adjust(units(amount), "model", key));
            if (amount > 0) {
                long paid = Math.min(debt, amount);
                debt -= paid;
                grants.put(t.grantId(), new ModelGrant(t.grantId(), amount, amount - paid, 50,
                        now(), null));
            } else {
                burn(-amount);
            }
            return "adjust " + amount;
        }

        String overdraft() {
            int pick = random.nextInt(4);
            limit = switch (pick) {
                case 0 -> OverdraftLimit.none();
                case 1 -> OverdraftLimit.of(2_500);
                case 2 -> OverdraftLimit.ofUnlimited();
                default -> OverdraftLimit.none();
            };
            OverdraftLimit chosen = pick == 3 ? null : limit;
            attempt(() -> wallet.setOverdraftLimit(chosen));
            return "overdraft " + limit;
        }

        void check(String where) {
            WalletBalance state = wallet.state();
            assertThat(state.balance().units()).as("balance after " + where).isEqualTo(balance());
            assertThat(state.held().units()).as("held after " + where).isEqualTo(held());
            Map<String, GrantRecord> actual = new HashMap<>();
            for (GrantRecord r : credits.grants(wallet.customerId(), "credits", true)) {
                actual.put(r.id(), r);
            }
            for (ModelGrant g : grants.values()) {
                GrantRecord r = actual.get(g.id);
                assertThat(r.status()).as("status of %s after %s", g.id, where)
                        .isEqualTo(g.status);
                assertThat(r.remaining().units()).as("remaining of %s after %s", g.id, where)
                        .isEqualTo(g.remaining);
            }
            for (ModelHold h : holds) {
                HoldRecord r = credits.hold(h.id());
                assertThat(r.status()).as("hold %s after %s", h.id(), where)
                        .isEqualTo(h.status()[0]);
            }
        }

        static String units(long units) {
            return dev.credits.Amount.render(units, 2);
        }
    }

}
