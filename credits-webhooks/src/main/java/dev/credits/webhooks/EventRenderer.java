package dev.credits.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an outbox row into the {@link Event} the wire sees. The ledger stores its events as the
 * JSON of their records ({@code amountUnits}, {@code occurredAt}); the wire has
 * {@code snake_case} names and amounts as decimal strings in the credit type's scale
 * ({@code "amount": "10.00"}). Events of other modules (plans) are stored as they are sent.
 */
final class EventRenderer {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNITS = "Units";

    private final CreditTypes types;

    EventRenderer(CreditTypes types) {
        this.types = types;
    }

    /** The event, or null for one of a type that is not sent. */
    Event render(long seq, String customerId, String creditType, String storedName,
                 String payload, Instant createdAt, Long sequence) {
        String type = EventTypes.wireName(storedName);
        if (type == null) {
            return null;
        }
        JsonNode fields;
        try {
            fields = JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the outbox holds an unreadable event " + seq, e);
        }
        CreditType credit = creditType == null || creditType.isEmpty()
                || !types.contains(creditType) ? null : types.require(creditType);
        Map<String, Object> data = new LinkedHashMap<>();
        if (!customerId.isEmpty()) {
            data.put("customer_id", customerId);
        }
        if (credit != null) {
            data.put("credit_type", credit.id());
        }
        Iterator<Map.Entry<String, JsonNode>> it = fields.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("customerId") || name.equals("creditType")) {
                continue;
            }
            if (credit != null && name.endsWith(UNITS) && value.canConvertToLong()) {
                data.put(snake(name.substring(0, name.length() - UNITS.length())),
                        credit.amount(value.longValue()).toString());
            } else {
                data.put(snake(name), plain(value));
            }
        }
        if (sequence != null) {
            data.put("sequence", sequence);
        }
        return new Event(Event.idOf(seq), seq, type, createdAt, customerId, data);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass(), e);
        }
    }

    private static Object plain(JsonNode value) {
        return JSON.convertValue(value, Object.class);
    }

    /** {@code amountUnits} → {@code amount_units}; a name already in snake case stays. */
    static String snake(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The wire type names an endpoint may subscribe to: the contract's, or {@code *}. */
    static List<String> requireTypes(List<String> events) {
        List<String> out = new ArrayList<>();
        for (String event : events) {
            if (!EventTypes.ALL.equals(event) && !EventTypes.isKnown(event)) {
                throw new dev.credits.ValidationException("events", "'" + event
                        + "' is not an event type; see the list in docs/webhooks.md");
            }
            if (!out.contains(event)) {
                out.add(event);
            }
        }
        return out;
    }
}
