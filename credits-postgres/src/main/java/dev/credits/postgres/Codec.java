package dev.credits.postgres;

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
import dev.credits.event.BalanceDepleted;
import dev.credits.event.BalanceLow;
import dev.credits.event.BalanceRecovered;
import dev.credits.event.CreditsAdjusted;
import dev.credits.event.CreditsEvent;
import dev.credits.event.CreditsExpired;
import dev.credits.event.CreditsExpiringSoon;
import dev.credits.event.CreditsGranted;
import dev.credits.event.CreditsHeld;
import dev.credits.event.CreditsSpent;
import dev.credits.event.GrantVoided;
import dev.credits.event.HoldCaptured;
import dev.credits.event.HoldExpired;
import dev.credits.event.HoldReleased;
import dev.credits.internal.Json;
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
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true);

    private static final Map<String, Class<?>> RESULT_TYPES = byName(List.of(GrantRecord.class,
            SpendResult.class, HoldRecord.class, Transaction.class, WalletBalance.class));
    private static final Map<String, Class<?>> EVENT_TYPES = byName(List.of(CreditsGranted.class,
            CreditsSpent.class, CreditsExpired.class, GrantVoided.class, CreditsAdjusted.class,
            CreditsHeld.class, HoldCaptured.class, HoldReleased.class, HoldExpired.class,
            BalanceLow.class, BalanceRecovered.class, BalanceDepleted.class,
            CreditsExpiringSoon.class));

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
}
