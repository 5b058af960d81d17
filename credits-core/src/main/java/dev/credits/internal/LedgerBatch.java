package dev.credits.internal;

import dev.credits.CreditsException;
import dev.credits.IdempotencyConflictException;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidAmountException;
import dev.credits.spi.LedgerStore.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ledger's write step for one batch, pure: the commands, in arrival order, applied to the
 * locked states of their wallets and to the idempotency keys recorded before. It decides
 * everything — the wallet a command given by hold or grant id changes, not-found, idempotent
 * replay and conflict (by each command's {@link Command#fingerprint}, or the {@link LegacyFingerprint}
 * of a key recorded by a previous release, also one recorded before derived keys had their prefix), the rules of
 * {@link LedgerMachine}, overflow — and returns each command's outcome, the wallets to write and
 * the keys to record. Each wallet's {@link Invariants} are checked as loaded and before it is
 * written; a broken one fails the batch. Storage only loads what this needs and writes what it
 * returns, in one transaction:
 * <pre>{@code
 * Map<String, WalletKey> holds = walletsOfHolds(LedgerBatch.holdIds(commands));
 * Map<String, WalletKey> grants = walletsOfGrants(LedgerBatch.grantIds(commands));
 * List<WalletKey> targets = LedgerBatch.targets(commands, holds, grants);
 * Map<WalletKey, WalletState> states = lockAndLoad(targets);         // in key order
 * Map<String, RecordedKey> keys = loadKeys(LedgerBatch.keysInPlay(commands, targets));
 * Step step = LedgerBatch.apply(commands, targets, states, keys, now);
 * write(step.toSave(), step.newKeys());                              // then commit
 * }</pre>
 */
public final class LedgerBatch {
    /** A key recorded before: the fingerprint of its request, and the result answered then. */
    public record RecordedKey(String fingerprint, Object result) {
    }

    /** A key this batch records: whose request first used it, its fingerprint, its result. */
    public record NewKey(String customerId, String key, String fingerprint, Object result) {
    }

    /**
     * What a batch does: outcome {@code i} is command {@code i}'s; the wallets to write; the keys
     * to record. When {@link #writesNothing()}, storage rolls back (not even a wallet row made
     * for the batch stays).
     */
    public record Step(List<Outcome> outcomes, List<WalletState> toSave, List<NewKey> newKeys) {
        public boolean writesNothing() {
            return toSave.isEmpty() && newKeys.isEmpty();
        }
    }

    private LedgerBatch() {
    }

    /** The hold ids the batch's captures and releases name, for storage to find their wallets. */
    public static List<String> holdIds(List<? extends Command<?>> commands) {
        return idsOf(commands, Command.Target.Kind.HOLD);
    }

    /** The grant ids the batch's voids name, for storage to find their wallets. */
    public static List<String> grantIds(List<? extends Command<?>> commands) {
        return idsOf(commands, Command.Target.Kind.GRANT);
    }

    private static List<String> idsOf(List<? extends Command<?>> commands,
                                      Command.Target.Kind kind) {
        List<String> ids = new ArrayList<>();
        for (Command<?> command : commands) {
            if (command.target().kind() == kind) {
                ids.add(command.target().id());
            }
        }
        return ids;
    }

    /**
     * The wallet each command changes, given the wallets of the holds and grants the batch names
     * ({@code holdWallets}, {@code grantWallets}); null for a hold or grant that does not exist.
     */
    public static List<WalletKey> targets(List<? extends Command<?>> commands,
                                          Map<String, WalletKey> holdWallets,
                                          Map<String, WalletKey> grantWallets) {
        List<WalletKey> targets = new ArrayList<>(commands.size());
        for (Command<?> command : commands) {
            Command.Target target = command.target();
            targets.add(switch (target.kind()) {
                case WALLET -> target.wallet();
                case HOLD -> holdWallets.get(target.id());
                case GRANT -> grantWallets.get(target.id());
            });
        }
        return targets;
    }

    /** The wallets to lock: the distinct targets, in arrival order (storage sorts them). */
    public static Set<WalletKey> walletsToLock(List<WalletKey> targets) {
        Set<WalletKey> keys = new LinkedHashSet<>();
        for (WalletKey target : targets) {
            if (target != null) {
                keys.add(target);
            }
        }
        return keys;
    }

    /**
     * The idempotency keys to load: each command's, and for a derived key its bare name too
     * (what it was recorded under before derived keys had their prefix).
     */
    public static List<String> keysInPlay(List<? extends Command<?>> commands,
                                          List<WalletKey> targets) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            String key = commands.get(i).idempotencyKey();
            if (key != null && targets.get(i) != null) {
                names.add(key);
                if (IdempotencyKeys.isDerived(key)) {
                    names.add(IdempotencyKeys.bareName(key));
                }
            }
        }
        return names;
    }

    /** Applies the batch; see the class comment. {@code recorded} is not changed. */
    public static Step apply(List<? extends Command<?>> commands, List<WalletKey> targets,
                             Map<WalletKey, WalletState> states,
                             Map<String, RecordedKey> recorded, Instant now) {
        if (targets.size() != commands.size()) {
            throw new IllegalArgumentException("one target per command");
        }
        for (WalletState state : states.values()) {
            Invariants.require(state, "as loaded");
        }
        Keys keys = new Keys(recorded);
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        Set<WalletKey> changed = new HashSet<>();
        for (int i = 0; i < commands.size(); i++) {
            Command<?> command = commands.get(i);
            WalletKey target = targets.get(i);
            if (target == null) {
                outcomes.add(Outcome.failed(command.target().notFound()));
                continue;
            }
            WalletState wallet = states.get(target);
            if (wallet == null) {
                throw new IllegalArgumentException("the wallet " + target + " was not loaded");
            }
            outcomes.add(applyOne(wallet, command, keys, now, changed));
        }
        List<WalletState> toSave = new ArrayList<>();
        for (WalletState state : states.values()) {
            if (changed.contains(state.key) && state.hasChanges()) {
                Invariants.require(state, "before writing"); // fails the batch: nothing written
                toSave.add(state);
            }
        }
        return new Step(outcomes, toSave, keys.made);
    }

    private static Outcome applyOne(WalletState wallet, Command<?> command, Keys keys,
                                    Instant now, Set<WalletKey> changed) {
        String key = command.idempotencyKey();
        String fingerprint = key == null ? null : command.fingerprint();
        if (key != null) {
            RecordedKey previous = keys.find(key);
            if (previous == null) {
                RecordedKey legacy = keys.findLegacy(command);
                if (legacy != null) {
                    return Outcome.of(legacy.result(), true); // recorded before the prefix
                }
            } else if (!isSameRequest(previous.fingerprint(), command, fingerprint)) {
                return Outcome.failed(new IdempotencyConflictException(key));
            } else {
                return Outcome.of(previous.result(), true);
            }
        }
        if (command.alwaysWritten()) {
            changed.add(wallet.key);
        }
        try {
            Object result = LedgerMachine.apply(wallet, command, now);
            changed.add(wallet.key);
            if (key != null) {
                keys.record(new NewKey(wallet.key.customerId(), key, fingerprint, result));
            }
            return Outcome.of(result, false);
        } catch (CreditsException e) {
            return Outcome.failed(e);
        } catch (ArithmeticException e) {
            return Outcome.failed(new InvalidAmountException("the wallet's balance would"
                    + " overflow"));
        }
    }

    /**
     * Whether {@code recorded} is the fingerprint of this very request: of the current encoding
     * ({@code current}), or of the encoding previous releases recorded.
     */
    private static boolean isSameRequest(String recorded, Command<?> command, String current) {
        return Fingerprint.isCurrent(recorded) ? recorded.equals(current)
                : recorded.equals(LegacyFingerprint.of(command));
    }

    /**
     * The keys in play: those recorded before and those this batch records. A key names one
     * request across the whole ledger; used again in the same batch it replays or conflicts as
     * if it had been recorded before.
     */
    private static final class Keys {
        private final Map<String, RecordedKey> known;
        private final Set<String> recordedBefore;
        private final List<NewKey> made = new ArrayList<>();

        Keys(Map<String, RecordedKey> recorded) {
            this.known = new HashMap<>(recorded);
            this.recordedBefore = new HashSet<>(recorded.keySet());
        }

        RecordedKey find(String key) {
            return known.get(key);
        }

        /**
         * For a derived key with no entry of its own: the entry recorded under its bare name
         * before derived keys had their prefix, if it is this very command's (its fingerprint is
         * the command's legacy one, computed only when such an entry exists). A client's key that
         * merely imitates the name is someone else's request, and is ignored.
         */
        RecordedKey findLegacy(Command<?> command) {
            String key = command.idempotencyKey();
            if (!IdempotencyKeys.isDerived(key)) {
                return null;
            }
            String bare = IdempotencyKeys.bareName(key);
            RecordedKey legacy = recordedBefore.contains(bare) ? known.get(bare) : null;
            return legacy != null && legacy.fingerprint().equals(LegacyFingerprint.withBareKey(command))
                    ? legacy : null;
        }

        void record(NewKey key) {
            known.put(key.key(), new RecordedKey(key.fingerprint(), key.result()));
            made.add(key);
        }
    }
}
