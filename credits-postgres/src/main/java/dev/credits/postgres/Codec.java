package dev.credits.postgres;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.credits.GrantRecord;
import dev.credits.HoldRecord;
import dev.credits.SpendResult;
import dev.credits.Transaction;
import dev.credits.WalletBalance;
import dev.credits.internal.Command;
import dev.credits.internal.Json;
import dev.credits.internal.LedgerBatch;
import dev.credits.event.BalanceLow;
import dev.credits.event.CreditsAdjusted;
import dev.credits.event.CreditsEvent;
import dev.credits.event.CreditsExpired;
import dev.credits.event.CreditsGranted;
import dev.credits.event.CreditsHeld;
import dev.credits.event.CreditsSpent;
import dev.credits.event.GrantVoided;
import dev.credits.event.HoldCaptured;
import dev.credits.event.HoldExpired;
import dev.credits.event.HoldReleased;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** JSON forms of what the store keeps as JSON: idempotent results and outbox events. */
final class Codec {
    static final ObjectMapper MAPPER = new ObjectMapper(Json.storedJsonFactory())
            .registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true)
            .addMixIn(Command.VoidGrant.class, VoidGrantFields.class);

    /**
     * A void's request fingerprint without the condition and the share when there are none, so
     * that keys recorded before {@code expectedRemainingUnits} and {@code amountUnits} existed
     * still replay.
     */
    private abstract static class VoidGrantFields {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        abstract Long expectedRemainingUnits();

        @JsonInclude(JsonInclude.Include.NON_NULL)
        abstract Long amountUnits();
    }

    private static final Map<String, Class<?>> RESULT_TYPES = byName(List.of(GrantRecord.class,
            SpendResult.class, HoldRecord.class, Transaction.class, WalletBalance.class));
    private static final Map<String, Class<?>> EVENT_TYPES = byName(List.of(CreditsGranted.class,
            CreditsSpent.class, CreditsExpired.class, GrantVoided.class, CreditsAdjusted.class,
            CreditsHeld.class, HoldCaptured.class, HoldReleased.class, HoldExpired.class,
            BalanceLow.class));

    private Codec() {
    }

    private static Map<String, Class<?>> byName(List<Class<?>> types) {
        return types.stream().collect(Collectors.toMap(Class::getSimpleName, Function.identity()));
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass(), e);
        }
    }

    /**
     * The result of a request that is not the ledger's: a key another module recorded in the
     * same namespace (a plan change, say). A ledger command can only conflict with it, since its
     * fingerprint is never a command's.
     */
    record ForeignResult(String type) {
    }

    static Object readResult(String type, String json) {
        if (!RESULT_TYPES.containsKey(type)) {
            return new ForeignResult(type);
        }
        return read(RESULT_TYPES, type, json);
    }

    /** The names of the ledger's event types, as the outbox stores them. */
    static String[] eventTypeNames() {
        return EVENT_TYPES.keySet().toArray(String[]::new);
    }

    static CreditsEvent readEvent(String type, String json) {
        return (CreditsEvent) read(EVENT_TYPES, type, json);
    }

    private static Object read(Map<String, Class<?>> types, String type, String json) {
        Class<?> cls = types.get(type);
        if (cls == null) {
            throw new IllegalStateException("unknown stored type " + type);
        }
        try {
            return MAPPER.readValue(json, cls);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read stored " + type, e);
        }
    }

    /** How this store has always fingerprinted requests, for the core's batch step. */
    static final LedgerBatch.Fingerprints FINGERPRINTS = new LedgerBatch.Fingerprints() {
        @Override
        public String of(Command command) {
            return fingerprint(command);
        }

        @Override
        public String legacyOf(Command command) {
            return legacyFingerprint(command);
        }
    };

    /** SHA-256 of a command's canonical JSON: what "the same request" means. */
    static String fingerprint(Object command) {
        return sha256(command.getClass().getSimpleName() + write(command));
    }

    /**
     * The fingerprint a command with a derived key had when derived keys had no prefix (before
     * V7): the same JSON with the bare key. Null for a command without a derived key.
     */
    static String legacyFingerprint(Command command) {
        String key = command.idempotencyKey();
        if (!dev.credits.IdempotencyKeys.isDerived(key)) {
            return null;
        }
        String json = write(command);
        String field = "\"idempotencyKey\":" + write(key);
        if (!json.contains(field)) {
            throw new IllegalStateException("a command's key is not where its JSON keeps it");
        }
        return sha256(command.getClass().getSimpleName() + json.replace(field,
                "\"idempotencyKey\":" + write(dev.credits.IdempotencyKeys.bareName(key))));
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
