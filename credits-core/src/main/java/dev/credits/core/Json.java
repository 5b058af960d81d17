package dev.credits.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.credits.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Metadata is a JSON object of at most {@link #METADATA_BYTES_MAX} bytes, kept canonical. */
public final class Json {
    public static final int METADATA_BYTES_MAX = 16 * 1024;
    public static final String EMPTY_OBJECT = "{}";

    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private Json() {
    }

    /** Canonical JSON text of a metadata map; null is the empty object. */
    public static String metadata(Map<String, ?> metadata) {
        if (metadata == null) {
            return EMPTY_OBJECT;
        }
        String text;
        try {
            text = MAPPER.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new ValidationException("metadata", "is not representable as JSON: " + e.getMessage());
        }
        if (text.contains("\\u0000")) {
            // PostgreSQL's jsonb cannot hold U+0000, in a key or a value.
            throw new ValidationException("metadata", "must not contain the NUL character (U+0000)");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > METADATA_BYTES_MAX) {
            throw new ValidationException("metadata", "must be at most " + METADATA_BYTES_MAX
                    + " bytes of JSON");
        }
        return text;
    }

    /**
     * Parses stored metadata text back into an unmodifiable map, keys sorted at every level: the
     * same metadata reads the same whether it comes from memory or from jsonb (which reorders).
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseMetadata(String text) {
        if (text == null || text.isEmpty() || EMPTY_OBJECT.equals(text)) {
            return Map.of();
        }
        try {
            return Collections.unmodifiableMap((Map<String, Object>) sorted(
                    MAPPER.readValue(text, MAP)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not a JSON object", e);
        }
    }

    private static Object sorted(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.put(String.valueOf(entry.getKey()), sorted(entry.getValue()));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(sorted(item));
            }
            return out;
        }
        return value;
    }

    /** Deterministic JSON of a value, used to fingerprint requests. */
    public static String canonical(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
