package dev.credits.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.credits.ValidationException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Metadata is a JSON object of at most {@link #METADATA_BYTES_MAX} bytes, nested at most
 * {@link #METADATA_DEPTH_MAX} deep, whose numbers have at most {@link #METADATA_NUMBER_DIGITS_MAX}
 * digits written out in full (PostgreSQL's jsonb keeps {@code 1e1000} as a thousand digits) and
 * whose text is well-formed Unicode without U+0000, kept canonical: what is accepted can always
 * be stored and read back as it was sent.
 */
public final class Json {
    public static final int METADATA_BYTES_MAX = 16 * 1024;
    public static final int METADATA_DEPTH_MAX = 32;
    public static final int METADATA_NUMBER_DIGITS_MAX = 40;
    public static final String EMPTY_OBJECT = "{}";
    /** What jsonb can hold: 131,072 digits before the point and 16,383 after. */
    static final int STORED_NUMBER_LENGTH_MAX = 150_000;
    static final int STORED_NESTING_DEPTH_MAX = 2_000;

    static final ObjectMapper MAPPER = JsonMapper.builder(storedJsonFactory())
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private Json() {
    }

    /**
     * A JSON factory that reads back anything PostgreSQL's jsonb holds: rows written before
     * metadata was checked may hold numbers of thousands of digits, or deep nesting.
     */
    public static JsonFactory storedJsonFactory() {
        return JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNumberLength(STORED_NUMBER_LENGTH_MAX)
                .maxNestingDepth(STORED_NESTING_DEPTH_MAX).build()).build();
    }

    /** Canonical JSON text of a metadata map; null is the empty object. */
    public static String metadata(Map<String, ?> metadata) {
        if (metadata == null) {
            return EMPTY_OBJECT;
        }
        String text;
        try {
            text = MAPPER.writeValueAsString(metadata);
            if (text.getBytes(StandardCharsets.UTF_8).length > METADATA_BYTES_MAX) {
                throw new ValidationException("metadata", "must be at most " + METADATA_BYTES_MAX
                        + " bytes of JSON");
            }
            requireStorable(MAPPER.readTree(text), "metadata", 1);
        } catch (JsonProcessingException e) {
            throw new ValidationException("metadata", "is not representable as JSON: "
                    + e.getOriginalMessage());
        }
        return text;
    }

    private static void requireStorable(JsonNode value, String path, int depth) {
        if (value.isContainerNode() && depth > METADATA_DEPTH_MAX) {
            throw new ValidationException(path, "is nested more than " + METADATA_DEPTH_MAX
                    + " levels deep");
        }
        if (value.isTextual()) {
            requireText(path, value.textValue());
        } else if (value.isNumber()) {
            requireNumber(path, value.decimalValue());
        } else if (value.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                requireText(path + " key", field.getKey());
                requireStorable(field.getValue(), path + "." + field.getKey(), depth + 1);
            }
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                requireStorable(value.get(i), path + "[" + i + "]", depth + 1);
            }
        }
    }

    private static void requireNumber(String path, BigDecimal number) {
        int scale = number.scale();
        int precision = number.precision();
        long digits = scale <= 0 ? (long) precision - scale
                : Math.max(precision, scale + 1L);
        if (digits > METADATA_NUMBER_DIGITS_MAX) {
            throw new ValidationException(path, "must be a number of at most "
                    + METADATA_NUMBER_DIGITS_MAX + " digits written out in full");
        }
    }

    /**
     * Text that PostgreSQL can store as sent: no U+0000, and no lone UTF-16 surrogate (which
     * has no UTF-8 form and would be stored as {@code ?}). Throws {@link ValidationException}.
     */
    public static void requireText(String field, String text) {
        if (text == null) {
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                throw new ValidationException(field,
                        "must not contain the NUL character (U+0000)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new ValidationException(field, "must be well-formed Unicode; it holds a"
                        + " lone surrogate (U+" + Integer.toHexString(c).toUpperCase(Locale.ROOT)
                        + ")");
            }
        }
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
