package dev.credits.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Times;
import dev.credits.ValidationException;
import dev.credits.internal.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A request body: one JSON object, read with exact decimals (a JSON number never passes through
 * a {@code double}). A body that is not a JSON object, or a field of the wrong JSON type, is a
 * {@code malformed_request}; a missing or unknown field, or a value out of range, is a
 * {@link ValidationException}.
 */
final class JsonBody {
    static final int TEXT_SHOWN_MAX = 40;
    private static final ObjectMapper READER = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private final ObjectNode node;

    private JsonBody(ObjectNode node) {
        this.node = node;
    }

    /**
     * Parses a body that must be a JSON object whose keys are all in {@code allowed}. With
     * {@code optional}, an empty body reads as {@code {}}.
     */
    static JsonBody parse(byte[] bytes, boolean optional, Set<String> allowed) {
        if (bytes.length == 0 || isBlank(bytes)) {
            if (optional) {
                return new JsonBody(JsonNodeFactory.instance.objectNode());
            }
            throw RequestRejectedException.malformed(
                    "the request body is empty; send a JSON object");
        }
        requireUtf8(bytes);
        JsonNode tree;
        try {
            tree = READER.readTree(bytes);
        } catch (IOException e) {
            throw RequestRejectedException.malformed("the request body is not valid JSON: "
                    + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            String kind = tree == null ? "nothing"
                    : tree.getNodeType().name().toLowerCase(Locale.ROOT);
            throw RequestRejectedException.malformed(
                    "the request body must be a JSON object, not " + kind);
        }
        Iterator<String> names = tree.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new ValidationException(name, "is not a field of this request");
            }
        }
        rejectNul(tree, null);
        return new JsonBody((ObjectNode) tree);
    }

    /**
     * PostgreSQL cannot store U+0000 in text or jsonb, nor a lone surrogate (it has no UTF-8
     * form): either anywhere in the body (a value or a key, at any depth) is a validation error
     * naming the field, never a failed INSERT or a {@code ?} stored instead.
     */
    private static void rejectNul(JsonNode value, String path) {
        if (value.isTextual()) {
            Json.requireText(path, value.textValue());
        }
        if (value.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String child = path == null ? field.getKey() : path + "." + field.getKey();
                Json.requireText(path == null ? "body" : path, field.getKey());
                rejectNul(field.getValue(), child);
            }
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                rejectNul(value.get(i), (path == null ? "body" : path) + "[" + i + "]");
            }
        }
    }

    /**
     * JSON is UTF-8 without a byte order mark (RFC 8259 §8.1). The parser would guess UTF-16 or
     * UTF-32 from the first bytes, or skip a BOM; those bodies are refused instead, and so is
     * a body that is not valid UTF-8.
     */
    private static void requireUtf8(byte[] bytes) {
        boolean bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf;
        boolean wide = bytes.length >= 2 && (bytes[0] == 0 || bytes[1] == 0
                || ((bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xff) == 0xff)
                || ((bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xfe));
        if (bom || wide) {
            throw RequestRejectedException.unsupportedMediaType("the body must be UTF-8"
                    + " without a byte order mark");
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw RequestRejectedException.malformed("the request body is not valid UTF-8");
        }
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    boolean has(String field) {
        return node.has(field);
    }

    /** A field that is present and not JSON null. */
    private JsonNode value(String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value;
    }

    String requiredString(String field) {
        String value = optionalString(field);
        if (value == null) {
            throw new ValidationException(field, "is required");
        }
        return value;
    }

    String optionalString(String field) {
        JsonNode value = value(field);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw wrongType(field, "a string", value);
        }
        return value.textValue();
    }

    /** A list of strings; null when the field is absent or null. */
    java.util.List<String> optionalStringList(String field) {
        JsonNode value = value(field);
        if (value == null) {
            return null;
        }
        if (!value.isArray()) {
            throw wrongType(field, "a list of strings", value);
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw wrongType(field + "[" + out.size() + "]", "a string", item);
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** An amount in the type's scale, sent as a decimal string or a JSON number. */
    Amount requiredAmount(String field, CreditType type) {
        JsonNode value = value(field);
        if (value == null) {
            throw new ValidationException(field, "is required");
        }
        return amount(field, value, type.scale());
    }

    static Amount amount(String field, JsonNode value, int scale) {
        if (value.isTextual()) {
            return Amount.parse(value.textValue(), scale);
        }
        if (value.isNumber()) {
            return Amount.parse(value.decimalValue(), scale);
        }
        throw wrongType(field, "a decimal string or a number", value);
    }

    /** An integer in {@code [min, max]}, or {@code fallback} when absent. */
    long optionalInteger(String field, long min, long max, long fallback) {
        JsonNode value = value(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber()) {
            throw wrongType(field, "an integer", value);
        }
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw new ValidationException(field, "must be " + min + ".." + max + ", was "
                    + abbreviate(value.asText()));
        }
        return value.longValue();
    }

    /** An ISO-8601 time with an offset, e.g. {@code 2026-11-25T12:00:00Z}; null when absent. */
    Instant optionalTime(String field) {
        String text = optionalString(field);
        return text == null ? null : parseTime(field, text);
    }

    /**
     * An ISO-8601 time with an offset, between {@link Times#MIN} and {@link Times#MAX}, truncated
     * to the microsecond (what PostgreSQL keeps, and so what is answered).
     */
    static Instant parseTime(String field, String text) {
        OffsetDateTime parsed;
        try {
            parsed = OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw new ValidationException(field, "must be an ISO-8601 time such as "
                    + "2026-11-25T12:00:00Z, was '" + abbreviate(text) + "'");
        }
        return Times.require(field, parsed.toInstant());
    }

    /** A JSON object as a map (numbers stay exact); null when absent. */
    Map<String, Object> optionalObject(String field) {
        JsonNode value = value(field);
        if (value == null) {
            return null;
        }
        if (!value.isObject()) {
            throw wrongType(field, "a JSON object", value);
        }
        return READER.convertValue(value, MAP);
    }

    /** The raw node of a field that may be JSON null; null when the field is absent. */
    JsonNode raw(String field) {
        return node.get(field);
    }

    static RequestRejectedException wrongType(String field, String expected, JsonNode value) {
        return RequestRejectedException.malformed("field '" + field + "' must be " + expected
                + ", not " + value.getNodeType().name().toLowerCase(Locale.ROOT));
    }

    static String abbreviate(String text) {
        return text.length() <= TEXT_SHOWN_MAX ? text : text.substring(0, TEXT_SHOWN_MAX) + "…";
    }
}
