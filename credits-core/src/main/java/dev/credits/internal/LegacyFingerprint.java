package dev.credits.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.credits.IdempotencyKeys;

/**
 * The fingerprint the previous releases recorded (without a version prefix): SHA-256 of the
 * command's simple class name and its Jackson JSON (its record components, in declaration order,
 * times as ISO-8601 text). Kept only so that keys recorded then still replay; new keys get a
 * {@link Fingerprint}. Frozen: changing this mapper's settings would make old keys conflict
 * ({@code PreviousReleaseTest} retries keys a previous release wrote).
 */
public final class LegacyFingerprint {
    private static final ObjectMapper MAPPER = new ObjectMapper(Json.storedJsonFactory())
            .registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .addMixIn(Command.VoidGrant.class, VoidGrantFields.class)
            .addMixIn(Command.Grant.class, GrantFields.class);

    /**
     * A void's JSON without the condition and the share when there are none, as before
     * {@code expectedRemainingUnits} and {@code amountUnits} existed.
     */
    private abstract static class VoidGrantFields {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        abstract Long expectedRemainingUnits();

        @JsonInclude(JsonInclude.Include.NON_NULL)
        abstract Long amountUnits();
    }

    /** A grant's JSON without the cost basis when there is none, as before it existed. */
    private abstract static class GrantFields {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        abstract dev.credits.Money costBasis();
    }

    private LegacyFingerprint() {
    }

    public static String of(Command<?> command) {
        return Fingerprint.sha256(command.getClass().getSimpleName() + json(command));
    }

    /**
     * What a command with a derived key had when derived keys had no prefix (before V7): the same
     * JSON with the key's bare name. Null for a command without a derived key.
     */
    static String withBareKey(Command<?> command) {
        String key = command.idempotencyKey();
        if (!IdempotencyKeys.isDerived(key)) {
            return null;
        }
        String json = json(command);
        String field = "\"idempotencyKey\":" + json(key);
        if (!json.contains(field)) {
            throw new IllegalStateException("a command's key is not where its JSON keeps it");
        }
        return Fingerprint.sha256(command.getClass().getSimpleName() + json.replace(field,
                "\"idempotencyKey\":" + json(IdempotencyKeys.bareName(key))));
    }

    static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass(), e);
        }
    }
}
