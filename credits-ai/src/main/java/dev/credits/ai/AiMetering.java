package dev.credits.ai;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.CustomerIds;
import dev.credits.HoldRecord;
import dev.credits.IdempotencyConflictException;
import dev.credits.IdempotencyKeys;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.SpendResult;
import dev.credits.StorageUnavailableException;
import dev.credits.Times;
import dev.credits.ValidationException;
import dev.credits.WalletBalance;
import dev.credits.internal.Command;
import dev.credits.internal.Ids;
import dev.credits.internal.Json;
import dev.credits.internal.WalletKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * AI usage metering in credits mode, on top of a {@link Credits} ledger whose engine it leaves
 * unchanged. (It is {@code AiMetering.open(credits, …)}, not {@code credits.ai()}: the ledger
 * core cannot depend on this module.)
 *
 * <p>A call is reserved by a ledger hold of its maximum cost, priced exactly from its real usage
 * (nano-USD, then credits with the wallet's sub-unit remainder carried), and settled by a capture
 * whose idempotency key is derived from the call id. The steps are recorded in {@code ai_calls}:
 * {@code reserved → completing → completed}. A crash between pricing and settling is repaired
 * by completing again, which re-issues the same capture; the ledger replays it. Thread-safe.
 */
public final class AiMetering {
    /** Prefix of AI call ids. */
    public static final String CALL_PREFIX = "aic_";
    /** The window of a usage query when none is given, and the longest allowed. */
    public static final Duration USAGE_RANGE_DEFAULT = Duration.ofDays(30);
    public static final Duration USAGE_RANGE_MAX = Duration.ofDays(366);
    static final int ERROR_LENGTH_MAX = 500;

    private final Credits credits;
    private final AiConfig config;
    private final CreditType type;
    private final CreditConversion conversion;
    private final AiCallStore store;
    private final Long dailyLimitUnits;
    private final Long monthlyLimitUnits;
    /** Calls whose callback runs in this process now: another call with the key must not. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    private AiMetering(Credits credits, AiConfig config, DataSource dataSource) {
        this.credits = credits;
        this.config = config;
        this.type = credits.creditTypes().require(config.creditType());
        this.conversion = CreditConversion.of(config.creditsPerUsd(), config.markupPercent(),
                type.scale());
        this.store = new AiCallStore(dataSource, type.scale());
        this.dailyLimitUnits = limit("spend_limits.daily", config.dailyLimit());
        this.monthlyLimitUnits = limit("spend_limits.monthly", config.monthlyLimit());
    }

    /** Metering with the default settings and {@code catalog}, e.g. the built-in defaults. */
    public static AiMetering open(Credits credits, DataSource dataSource, PriceCatalog catalog) {
        return open(credits, dataSource, AiConfig.defaults().withCatalog(catalog));
    }

    /**
     * Metering that keeps its calls in the ledger's own PostgreSQL database ({@code dataSource},
     * e.g. {@link dev.credits.postgres.PostgresLedger#dataSource()}). Throws
     * {@link IllegalArgumentException}
     * for a configuration that cannot charge exactly, and
     * {@link dev.credits.UnknownCreditTypeException} for a credit type the ledger does not have.
     */
    public static AiMetering open(Credits credits, DataSource dataSource, AiConfig config) {
        return new AiMetering(credits, config, dataSource);
    }

    private Long limit(String field, String text) {
        if (text == null) {
            return null;
        }
        Amount amount = type.parse(text);
        if (!amount.isPositive()) {
            throw new IllegalArgumentException(field + " must be greater than zero");
        }
        return amount.units();
    }

    /** Starts a call for a customer; see {@link AiCallRequest}. */
    public AiCallRequest forCustomer(String customerId) {
        return new AiCallRequest(this, customerId, null, null, null, AiCallRequest.UNSET_TOKENS,
                AiCallRequest.UNSET_TOKENS, AiCallRequest.LIFETIME_DEFAULT, null);
    }

    public AiConfig config() {
        return config;
    }

    public CreditType creditType() {
        return type;
    }

    public CreditConversion conversion() {
        return conversion;
    }

    /** The exact provider cost of {@code usage}, in nano-USD; {@link UnknownModelException}. */
    public long costNanoUsd(String provider, String model, TokenUsage usage) {
        return Pricing.costNanoUsd(config.catalog().require(provider, model), usage);
    }

    // ---- reserve

    /**
     * Holds the maximum cost of a call. With an idempotency key used before for the same
     * request, returns that call ({@code replayed}); for another request,
     * {@link IdempotencyConflictException}.
     */
    public AiCallRecord reserve(AiCallRequest r) {
        r.validate();
        ModelPrice price = config.catalog().require(r.provider(), r.model());
        String model = ModelPrice.normalize(r.model());
        String fingerprint = String.join("|", "reserve", price.provider(), model,
                String.valueOf(r.feature()), String.valueOf(r.maxInputTokens()),
                String.valueOf(r.maxOutputTokens()), String.valueOf(r.lifetime().toSeconds()));
        AiCallRecord replay = replay(r.customerId(), r.idempotencyKey(), fingerprint);
        if (replay != null) {
            return replay;
        }
        long maxNanoUsd = Pricing.costNanoUsd(price,
                Pricing.maxUsage(price, r.maxInputTokens(), r.maxOutputTokens()));
        long reservedUnits = conversion.maxUnits(maxNanoUsd);
        Instant now = credits.now();
        Instant expiresAt = now.plusSeconds(r.lifetime().toSeconds());
        AiCallRecord call = new AiCallRecord(newId(), r.customerId(), type.id(), price.provider(),
                model, r.feature(), AiCallStatus.RESERVED, null, type.amount(reservedUnits),
                r.maxInputTokens(), r.maxOutputTokens(), expiresAt, null, null, null, null, null,
                null, null, r.idempotencyKey(), now, null, false);
        if (r.idempotencyKey() != null) {
            return reserveKeyed(call, fingerprint);
        }
        HoldRecord hold = ledger(holdCommand(call));
        AiCallRecord held = call.withHold(hold.id(), hold.expiresAt());
        try {
            insertWithinLimits(held, fingerprint);
        } catch (RuntimeException e) {
            releaseQuietly(hold.id(), held.id());
            throw e;
        }
        return held;
    }

    /**
     * A reservation with an idempotency key claims the key first (the call's row, under its
     * unique index), then takes the hold under a key derived from the call: a concurrent retry
     * waits for the claim and replays it, and never takes a hold of its own.
     */
    private AiCallRecord reserveKeyed(AiCallRecord call, String fingerprint) {
        try {
            insertWithinLimits(call, fingerprint);
        } catch (RuntimeException e) {
            AiCallRecord raced = AiCallStore.isUniqueViolation(e)
                    ? replay(call.customerId(), call.idempotencyKey(), fingerprint) : null;
            if (raced != null) {
                return raced;
            }
            throw e;
        }
        return takeHold(call);
    }

    private void insertWithinLimits(AiCallRecord call, String fingerprint) {
        long reservedUnits = call.reserved().units();
        store.inTransaction(c -> {
            store.lockRemainder(c, call.customerId(), type.id(), conversion);
            checkSpendLimits(c, call.customerId(), reservedUnits, call.createdAt());
            store.insert(c, call, fingerprint);
            return null;
        });
    }

    /**
     * Takes the hold of a call recorded without one (made before by whoever claimed the key, or
     * now). Refused (402, …), the call's row is deleted: nothing of the request stays written.
     * When the ledger could not be reached the hold may or may not exist, so the row stays: a
     * retry with the key takes or replays the hold under the same derived key. A hold taken for
     * a call cancelled (or refused) meanwhile is released again.
     */
    private AiCallRecord takeHold(AiCallRecord call) {
        HoldRecord hold;
        try {
            hold = ledger(holdCommand(call));
        } catch (StorageUnavailableException e) {
            throw e;
        } catch (CreditsException e) {
            store.deleteUnheld(call.id());
            throw e;
        }
        if (!store.attachHold(call.id(), hold.id(), hold.expiresAt())) {
            releaseQuietly(hold.id(), call.id());
            AiCallRecord now = store.find(call.id());
            if (now == null) {
                throw new InvalidStateException("AI call " + call.id() + " was refused while"
                        + " its hold was taken; retry");
            }
            return now;
        }
        return call.withHold(hold.id(), hold.expiresAt());
    }

    /** The hold of a call, the same command however often it is rebuilt from the call. */
    private Command.Hold holdCommand(AiCallRecord call) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("ai_call_id", call.id());
        metadata.put("provider", call.provider());
        metadata.put("model", call.model());
        long lifetimeSeconds = Duration.between(call.createdAt(), call.expiresAt()).toSeconds();
        return new Command.Hold(new WalletKey(call.customerId(), type.id()),
                call.reserved().units(), lifetimeSeconds, call.feature(), Json.metadata(metadata),
                ledgerKey(call.id(), "hold"));
    }

    /** A call already made under {@code key}: checked against the request, repaired, marked. */
    private AiCallRecord replay(String customerId, String key, String fingerprint) {
        if (key == null) {
            return null;
        }
        AiCallRecord existing = store.findByKey(customerId, key);
        if (existing == null) {
            return null;
        }
        if (!fingerprint.equals(store.fingerprint(existing.id()))) {
            throw new IdempotencyConflictException(key);
        }
        if (existing.status() == AiCallStatus.COMPLETING) {
            existing = settle(existing);
        } else if (existing.status() == AiCallStatus.RESERVED && existing.holdId() == null) {
            existing = takeHold(existing); // the first request's hold, replayed or taken now
        }
        return existing.asReplay();
    }

    private void checkSpendLimits(Connection c, String customerId, long requiredUnits,
                                  Instant now) throws SQLException {
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        checkLimit(c, customerId, "daily", dailyLimitUnits,
                today.atStartOfDay(ZoneOffset.UTC).toInstant(), requiredUnits, now);
        checkLimit(c, customerId, "monthly", monthlyLimitUnits,
                today.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                requiredUnits, now);
    }

    private void checkLimit(Connection c, String customerId, String period, Long limitUnits,
                            Instant since, long requiredUnits, Instant now) throws SQLException {
        if (limitUnits == null) {
            return;
        }
        long used = store.usedSince(c, customerId, type.id(), since, now);
        if (used > limitUnits - requiredUnits) { // used + required > limit, without overflow
            throw new SpendLimitExceededException(period, type.amount(limitUnits),
                    type.amount(used), type.amount(requiredUnits));
        }
    }

    // ---- complete

    /** {@link #complete(String, TokenUsage, Long)} without a latency. */
    public AiCallRecord complete(String callId, TokenUsage usage) {
        return complete(callId, usage, null);
    }

    /**
     * Charges a reserved call for its real usage and releases the rest of its hold. Completing
     * again with the same usage changes nothing and returns the call ({@code replayed}); with
     * other usage, or a cancelled, expired or failed call: {@link InvalidStateException}. Usage
     * over the reservation is charged as long as the overdraft limit allows, else
     * {@link InsufficientCreditsException} and nothing is written.
     */
    public AiCallRecord complete(String callId, TokenUsage usage, Long latencyMs) {
        return complete(callId, usage, latencyMs, null);
    }

    private AiCallRecord complete(String callId, TokenUsage usage, Long latencyMs,
                                  String note) {
        AiCallRecord call = priceCall(callId, usage, latencyMs, note);
        if (call.status() == AiCallStatus.COMPLETED) {
            return call.asReplay();
        }
        return settle(call);
    }

    /**
     * The first step of completing: price the call and record it as completing, in one
     * transaction (nothing on the ledger yet). Returns the call, completing or completed.
     */
    AiCallRecord priceCall(String callId, TokenUsage usage, Long latencyMs, String note) {
        if (usage == null) {
            throw new ValidationException("usage", "is required");
        }
        AiCallRecord call;
        try {
            call = priceLocked(callId, usage, latencyMs, note, null);
        } catch (WalletNeeded needed) {
            // The charge is more than the hold: read the wallet on its own connection (a request
            // holds one at a time), then price again with it.
            call = priceLocked(callId, usage, latencyMs, note, walletOf(needed.call));
        }
        if (call == null) {
            throw new InvalidStateException("AI call " + callId + " expired before it was"
                    + " completed; its hold was released");
        }
        return call;
    }

    /** Thrown inside a pricing transaction that needs the wallet it was not given. */
    private static final class WalletNeeded extends RuntimeException {
        final AiCallRecord call;

        WalletNeeded(AiCallRecord call) {
            super(null, null, false, false);
            this.call = call;
        }
    }

    /** Prices the locked call in one transaction; null when its reservation had expired. */
    private AiCallRecord priceLocked(String callId, TokenUsage usage, Long latencyMs,
                                     String note, WalletBalance wallet) {
        return store.inTransaction(c -> {
            AiCallRecord locked = store.lock(c, callId);
            if (locked == null) {
                throw new NotFoundException("AI call " + callId + " not found");
            }
            if (locked.status().isPriced()) {
                if (!usage.equals(locked.usage())) {
                    throw new InvalidStateException("AI call " + callId + " was already"
                            + " completed with other usage");
                }
                return locked;
            }
            if (locked.status() != AiCallStatus.RESERVED) {
                throw new InvalidStateException("AI call " + callId + " is "
                        + locked.status().wireName() + "; only a reserved call can be completed");
            }
            if (!locked.expiresAt().isAfter(credits.now())) {
                store.markStatus(c, callId, AiCallStatus.EXPIRED, "reservation expired", null);
                return null;
            }
            return price(c, locked, usage, latencyMs, note, wallet);
        });
    }

    /**
     * Prices a call under the wallet's remainder lock and records it as completing, all in the
     * caller's transaction. Refuses, writing nothing, what the wallet cannot cover; a charge
     * beyond the hold needs {@code wallet} (read before the transaction), and without it throws
     * {@link WalletNeeded}.
     */
    private AiCallRecord price(Connection c, AiCallRecord call, TokenUsage usage, Long latencyMs,
                               String note, WalletBalance wallet) throws SQLException {
        long cost = Pricing.costNanoUsd(config.catalog().require(call.provider(), call.model()),
                usage);
        long remainder = store.lockRemainder(c, call.customerId(), type.id(), conversion);
        CreditConversion.Charge charge = conversion.charge(remainder, cost);
        long held = call.reserved() == null ? 0 : call.reserved().units();
        if (charge.units() > held) {
            if (wallet == null) {
                throw new WalletNeeded(call);
            }
            requireCoverable(wallet, charge.units(), held);
        }
        store.saveRemainder(c, call.customerId(), type.id(), charge.remainder(),
                conversion.denominator());
        store.markPriced(c, call.id(), usage, cost, charge.units(), latencyMs, note);
        return new AiCallRecord(call.id(), call.customerId(), call.creditType(), call.provider(),
                call.model(), call.feature(), AiCallStatus.COMPLETING, call.holdId(),
                call.reserved(), call.maxInputTokens(), call.maxOutputTokens(), call.expiresAt(),
                usage, cost, type.amount(charge.units()), null, null, latencyMs, note,
                call.idempotencyKey(), call.createdAt(), null, false);
    }

    /** Fails fast when a charge beyond what is held would cross the overdraft limit. */
    private void requireCoverable(WalletBalance wallet, long units, long heldForCall) {
        boolean permitted;
        try {
            permitted = wallet.overdraftLimit().permits(Math.subtractExact(Math.addExact(
                    wallet.available().units(), heldForCall), units));
        } catch (ArithmeticException e) {
            permitted = wallet.overdraftLimit().isUnlimited(); // past a long: below any limit
        }
        if (!permitted) {
            throw new InsufficientCreditsException(wallet.balance(), wallet.available(),
                    type.amount(units));
        }
    }

    /** The wallet of a call's customer, read on its own connection. */
    private WalletBalance walletOf(AiCallRecord call) {
        return credits.wallet(call.customerId(), type.id()).state();
    }

    /**
     * Issues the ledger side of a priced call — capture (or release, for zero credits), or a
     * spend when there is no hold or it ran out — with keys derived from the call id, so that
     * issuing it again replays; then marks the call completed.
     */
    AiCallRecord settle(AiCallRecord call) {
        long units = call.credits().units();
        String transactionId = null;
        Long balance = null;
        if (call.holdId() != null && units == 0) {
            releaseQuietly(call.holdId(), call.id());
        } else if (call.holdId() != null) {
            try {
                HoldRecord hold = ledger(new Command.Capture(call.holdId(), units,
                        ledgerKey(call.id(), "capture")));
                transactionId = hold.transactionId();
            } catch (InvalidStateException e) {
                // The hold ran out between pricing and capture: the usage is charged as a spend.
                SpendResult spend = spend(call, units);
                transactionId = spend.transactionId();
                balance = spend.balance().units();
            }
        } else if (units > 0) {
            SpendResult spend = spend(call, units);
            transactionId = spend.transactionId();
            balance = spend.balance().units();
        }
        if (balance == null) {
            balance = credits.wallet(call.customerId(), type.id()).balance().units();
        }
        store.markCompleted(call.id(), transactionId, balance, credits.now());
        return get(call.id());
    }

    private SpendResult spend(AiCallRecord call, long units) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("ai_call_id", call.id());
        metadata.put("provider", call.provider());
        metadata.put("model", call.model());
        return ledger(new Command.Spend(new WalletKey(call.customerId(), type.id()),
                units, call.feature(), null, Json.metadata(metadata),
                ledgerKey(call.id(), "spend")));
    }

    // ---- cancel, fail

    /**
     * Cancels a reserved call and releases its hold. Cancelling a cancelled or expired call
     * returns it ({@code replayed}); a completed or failed one is {@link InvalidStateException}.
     */
    public AiCallRecord cancel(String callId) {
        AiCallRecord before = store.inTransaction(c -> {
            AiCallRecord locked = store.lock(c, callId);
            if (locked == null) {
                throw new NotFoundException("AI call " + callId + " not found");
            }
            if (locked.status() == AiCallStatus.RESERVED) {
                store.markStatus(c, callId, AiCallStatus.CANCELLED, null, null);
            } else if (locked.status() != AiCallStatus.CANCELLED
                    && locked.status() != AiCallStatus.EXPIRED) {
                throw new InvalidStateException("AI call " + callId + " is "
                        + locked.status().wireName() + "; only a reserved call can be cancelled");
            }
            return locked;
        });
        if (before.status() != AiCallStatus.RESERVED) {
            return before.asReplay();
        }
        releaseQuietly(before.holdId(), callId);
        return get(callId);
    }

    private void fail(AiCallRecord call, Exception cause, long latencyMs) {
        String message = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        String error = message.length() <= ERROR_LENGTH_MAX ? message
                : message.substring(0, ERROR_LENGTH_MAX);
        store.inTransaction(c -> {
            AiCallRecord locked = store.lock(c, call.id());
            if (locked != null && locked.status() == AiCallStatus.RESERVED) {
                store.markStatus(c, call.id(), AiCallStatus.FAILED, error, latencyMs);
            }
            return null;
        });
        releaseQuietly(call.holdId(), call.id());
    }

    /** Releases a hold; one already released, captured or expired needs nothing more. */
    private void releaseQuietly(String holdId, String callId) {
        if (holdId == null) {
            return; // a reservation whose hold is still being taken; takeHold releases it
        }
        try {
            ledger(new Command.Release(holdId, ledgerKey(callId, "release")));
        } catch (InvalidStateException | NotFoundException e) {
            // Nothing is held any more.
        }
    }

    // ---- after the fact, reads

    /**
     * Records and charges usage after the fact, with no reservation, subject to the overdraft
     * limit ({@link InsufficientCreditsException}, nothing written). Spend limits do not apply:
     * the call has already run. A repeated key replays.
     */
    public AiCallRecord recordUsage(String customerId, String provider, String model,
                                    String feature, TokenUsage usage, String idempotencyKey) {
        CustomerIds.requireValid(customerId);
        requireKey(idempotencyKey);
        if (usage == null) {
            throw new ValidationException("usage", "is required");
        }
        if (feature != null && feature.length() > Command.FEATURE_LENGTH_MAX) {
            throw new ValidationException("feature", "must be at most "
                    + Command.FEATURE_LENGTH_MAX + " characters");
        }
        ModelPrice price = config.catalog().require(provider, model);
        String normalized = ModelPrice.normalize(model);
        String fingerprint = String.join("|", "usage", price.provider(), normalized,
                String.valueOf(feature), usage.toString());
        AiCallRecord replay = replay(customerId, idempotencyKey, fingerprint);
        if (replay != null) {
            return replay;
        }
        Instant now = credits.now();
        AiCallRecord call = new AiCallRecord(newId(), customerId, type.id(), price.provider(),
                normalized, feature, AiCallStatus.RESERVED, null, null, 0, 0, null, null, null,
                null, null, null, null, null, idempotencyKey, now, null, false);
        WalletBalance wallet = walletOf(call);
        AiCallRecord priced;
        try {
            priced = store.inTransaction(c -> {
                store.insert(c, call, fingerprint);
                return price(c, call, usage, null, null, wallet);
            });
        } catch (RuntimeException e) {
            AiCallRecord raced = AiCallStore.isUniqueViolation(e)
                    ? replay(customerId, idempotencyKey, fingerprint) : null;
            if (raced != null) {
                return raced;
            }
            throw e;
        }
        return settle(priced);
    }

    /** A call by id; {@link NotFoundException}. */
    public AiCallRecord get(String callId) {
        AiCallRecord call = callId == null ? null : store.find(callId);
        if (call == null) {
            throw new NotFoundException("AI call " + callId + " not found");
        }
        return call;
    }

    /**
     * Totals of a customer's priced calls created in {@code [from, to)} (default: the 30 days
     * up to now; at most {@link #USAGE_RANGE_MAX}).
     */
    public List<UsageTotal> usage(String customerId, Instant from, Instant to,
                                  UsageGrouping groupBy) {
        CustomerIds.requireValid(customerId);
        // By default up to and including now (the end is exclusive; times are microseconds).
        Instant end = to != null ? Times.require("to", to)
                : credits.now().plus(Duration.ofNanos(1_000));
        Instant start = from != null ? Times.require("from", from)
                : end.minus(USAGE_RANGE_DEFAULT);
        if (!start.isBefore(end)) {
            throw new ValidationException("from", "must be before to");
        }
        if (Duration.between(start, end).compareTo(USAGE_RANGE_MAX) > 0) {
            throw new ValidationException("from", "the range must be at most "
                    + USAGE_RANGE_MAX.toDays() + " days");
        }
        return store.totals(customerId, type.id(), start, end,
                groupBy == null ? UsageGrouping.NONE : groupBy);
    }

    // ---- the Java call

    <R> R call(AiCallRequest r, AiCallback<R> callback, UsageReader<? super R> reader) {
        if (callback == null || reader == null) {
            throw new IllegalArgumentException("callback and usage reader are required");
        }
        AiCallRecord call = reserve(r);
        requireReserved(call);
        if (!call.expiresAt().isAfter(credits.now())) {
            throw new InvalidStateException("AI call " + call.id() + " with this idempotency"
                    + " key has expired; use a new key");
        }
        if (!running.add(call.id())) {
            throw new InvalidStateException("AI call " + call.id() + " with this idempotency"
                    + " key is still running; retry once it has finished");
        }
        try {
            if (call.replayed()) {
                // Another caller may have finished it between our read and now: read it again.
                requireReserved(store.find(call.id()));
            }
            return run(call, callback, reader);
        } finally {
            running.remove(call.id());
        }
    }

    /** A retry of a call that already ran never invokes the callback again. */
    private static void requireReserved(AiCallRecord call) {
        if (call.status() == AiCallStatus.RESERVED) {
            return;
        }
        if (call.status().isPriced()) {
            throw new AiCallCompletedException(call);
        }
        throw new InvalidStateException("AI call " + call.id() + " with this idempotency"
                + " key is " + call.status().wireName());
    }

    private <R> R run(AiCallRecord call, AiCallback<R> callback, UsageReader<? super R> reader) {
        long started = System.nanoTime();
        R response;
        try {
            response = callback.call();
        } catch (Exception e) {
            fail(call, e, elapsedMs(started));
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AiCallbackException(call.id(), e);
        }
        long latencyMs = elapsedMs(started);
        TokenUsage usage = readQuietly(reader, response);
        if (usage != null) {
            complete(call.id(), usage, latencyMs, null);
        } else if (config.missingUsage() == MissingUsage.CHARGE_RESERVED) {
            ModelPrice price = config.catalog().require(call.provider(), call.model());
            complete(call.id(), Pricing.maxUsage(price, call.maxInputTokens(),
                    call.maxOutputTokens()), latencyMs, "usage missing; charged the maximum");
        } else {
            throw new UsageMissingException(call.id());
        }
        return response;
    }

    /** The usage of a response; null when it has none or none of a readable shape. */
    private static <R> TokenUsage readQuietly(UsageReader<? super R> reader, R response) {
        try {
            return response == null ? null : reader.read(response);
        } catch (ValidationException e) {
            return null;
        }
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    // ---- plumbing

    private <R> R ledger(Command<R> command) {
        return credits.run(command);
    }

    /** The ledger idempotency key of one step of a call: the same step always replays. */
    static String ledgerKey(String callId, String step) {
        return IdempotencyKeys.derived("ai:" + callId + ":" + step);
    }

    /** An AI call id: {@value #CALL_PREFIX} and a ULID, made by the ledger's id source. */
    private static String newId() {
        return CALL_PREFIX + Ids.hold().substring(Ids.HOLD.length());
    }

    /** Idempotency keys are absent or 1–255 printable ASCII characters. */
    static void requireKey(String key) {
        IdempotencyKeys.requireClient("idempotency_key", key);
    }
}
