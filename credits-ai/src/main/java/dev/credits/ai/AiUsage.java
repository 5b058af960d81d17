package dev.credits.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Usage readers for provider responses as Jackson trees, and for streamed responses as their
 * server-sent-events text. Unknown fields are ignored; a count that is not a whole number in
 * 0..{@value TokenUsage#TOKENS_MAX} is a {@link ValidationException}.
 *
 * <ul>
 * <li>OpenAI counts cached and cache-write tokens inside the input ({@code prompt_tokens},
 *     {@code input_tokens}); they are taken out, so each token is priced once.</li>
 * <li>Anthropic's {@code input_tokens} exclude cache reads and writes; cache writes are split
 *     into the 5-minute and the 1-hour cache by {@code usage.cache_creation}.</li>
 * <li>Streams: the usage of the last chunk that has one (OpenAI chat), of the final
 *     {@code response.*} event (OpenAI responses), or of {@code message_start} updated by the
 *     last {@code message_delta}, whose counts are cumulative (Anthropic).</li>
 * </ul>
 */
public final class AiUsage {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The fields of the provider-neutral usage object of the HTTP API. */
    static final Set<String> GENERIC_FIELDS = Set.of("input_tokens", "output_tokens",
            "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
            "reasoning_tokens");

    private AiUsage() {
    }

    /** An OpenAI chat completion or Responses API response (or its {@code usage} object). */
    public static UsageReader<JsonNode> openAi() {
        return response -> {
            JsonNode usage = usageOf(response);
            return usage == null ? null : openAiUsage(usage);
        };
    }

    /** An Anthropic message (or its {@code usage} object). */
    public static UsageReader<JsonNode> anthropic() {
        return response -> {
            JsonNode usage = usageOf(response);
            return usage == null ? null : anthropicUsage(usage, null);
        };
    }

    /** A streamed OpenAI chat completion or Responses API response, as SSE text. */
    public static UsageReader<CharSequence> openAiStream() {
        return text -> {
            JsonNode last = null;
            for (JsonNode event : events(text)) {
                JsonNode usage = usageOf(event);
                if (usage == null && event.path("response").isObject()) {
                    usage = usageOf(event.get("response"));
                }
                if (usage != null) {
                    last = usage;
                }
            }
            return last == null ? null : openAiUsage(last);
        };
    }

    /** A streamed Anthropic message, as SSE text. */
    public static UsageReader<CharSequence> anthropicStream() {
        return text -> {
            ObjectNode merged = null;
            JsonNode cacheCreation = null;
            for (JsonNode event : events(text)) {
                String type = event.path("type").asText();
                JsonNode usage = type.equals("message_start") ? usageOf(event.path("message"))
                        : type.equals("message_delta") ? usageOf(event) : null;
                if (usage == null) {
                    continue;
                }
                merged = merged == null ? JSON.createObjectNode() : merged;
                // Counts are cumulative: the latest value of each field wins; never add them.
                merged.setAll((ObjectNode) usage);
                if (usage.path("cache_creation").isObject()) {
                    cacheCreation = usage.get("cache_creation");
                }
            }
            return merged == null ? null : anthropicUsage(merged, cacheCreation);
        };
    }

    /**
     * The {@code usage} of the HTTP API: a provider's own usage object as returned (OpenAI chat
     * or Responses, Anthropic), or the provider-neutral shape {@code {input_tokens (all input,
     * cached included), output_tokens, cached_input_tokens?, cache_write_tokens?,
     * cache_write_1h_tokens?, reasoning_tokens?}}. Never null.
     */
    public static TokenUsage fromUsageObject(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            throw new ValidationException("usage", "must be a JSON object of token counts");
        }
        if (usage.has("prompt_tokens") || usage.has("completion_tokens")
                || usage.has("input_tokens_details") || usage.has("output_tokens_details")) {
            return openAiUsage(usage);
        }
        if (usage.has("cache_read_input_tokens") || usage.has("cache_creation_input_tokens")
                || usage.has("cache_creation")) {
            return anthropicUsage(usage, null);
        }
        Iterator<String> names = usage.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!GENERIC_FIELDS.contains(name)) {
                throw new ValidationException("usage." + name, "is not a usage field");
            }
        }
        long total = required(usage, "input_tokens");
        long cached = optional(usage, "cached_input_tokens");
        long write = optional(usage, "cache_write_tokens");
        long write1h = optional(usage, "cache_write_1h_tokens");
        return new TokenUsage(uncached(total, cached, write, write1h), cached, write, write1h,
                required(usage, "output_tokens"), optional(usage, "reasoning_tokens"));
    }

    static TokenUsage openAiUsage(JsonNode usage) {
        boolean chat = usage.has("prompt_tokens");
        long input = required(usage, chat ? "prompt_tokens" : "input_tokens");
        long output = required(usage, chat ? "completion_tokens" : "output_tokens");
        JsonNode in = usage.path(chat ? "prompt_tokens_details" : "input_tokens_details");
        JsonNode out = usage.path(chat ? "completion_tokens_details" : "output_tokens_details");
        long cached = optional(in, "cached_tokens");
        long write = optional(in, "cache_write_tokens");
        return new TokenUsage(uncached(input, cached, write, 0), cached, write, 0, output,
                optional(out, "reasoning_tokens"));
    }

    static TokenUsage anthropicUsage(JsonNode usage, JsonNode cacheCreationFallback) {
        long writes = optional(usage, "cache_creation_input_tokens");
        JsonNode split = usage.path("cache_creation").isObject() ? usage.get("cache_creation")
                : cacheCreationFallback;
        long write1h = split == null ? 0 : optional(split, "ephemeral_1h_input_tokens");
        if (write1h > writes) {
            throw new ValidationException("usage.cache_creation.ephemeral_1h_input_tokens",
                    "must not exceed cache_creation_input_tokens");
        }
        // Whatever the split does not place in the 1-hour cache is a 5-minute write.
        return new TokenUsage(required(usage, "input_tokens"),
                optional(usage, "cache_read_input_tokens"), writes - write1h, write1h,
                required(usage, "output_tokens"), 0);
    }

    private static long uncached(long total, long cached, long write, long write1h) {
        long uncached = total - cached - write - write1h;
        if (uncached < 0) {
            throw new ValidationException("usage.input_tokens", "must include the cached and"
                    + " cache-write tokens (" + (cached + write + write1h) + "), was " + total);
        }
        return uncached;
    }

    /** {@code usage} of a response, the node itself if it is a usage object, or null. */
    private static JsonNode usageOf(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode usage = node.get("usage");
        if (usage != null) {
            return usage.isObject() ? usage : null;
        }
        boolean isUsage = (node.has("input_tokens") || node.has("prompt_tokens"))
                && !node.has("type") && !node.has("object");
        return isUsage ? node : null;
    }

    private static long required(JsonNode node, String field) {
        if (!node.has(field) || node.get(field).isNull()) {
            throw new ValidationException("usage." + field, "is required");
        }
        return optional(node, field);
    }

    private static long optional(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new ValidationException("usage." + field, "must be a whole number of tokens");
        }
        long tokens = value.longValue();
        TokenUsage.check(field, tokens);
        return tokens;
    }

    /** The JSON payloads of SSE text: every {@code data:} line but {@code [DONE]}. */
    static Iterable<JsonNode> events(CharSequence text) {
        List<JsonNode> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String line : text.toString().split("\r?\n")) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring("data:".length()).trim();
            if (data.isEmpty() || data.equals("[DONE]")) {
                continue;
            }
            try {
                out.add(JSON.readTree(data));
            } catch (IOException e) {
                throw new ValidationException("usage", "a stream event is not JSON: "
                        + e.getMessage());
            }
        }
        return out;
    }
}
