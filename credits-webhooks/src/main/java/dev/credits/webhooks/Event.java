package dev.credits.webhooks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An event as webhooks send it and the feed shows it: {@code {"id", "type", "created_at",
 * "data"}}. {@code data} is the event's fields in {@code snake_case} with amounts as decimal
 * strings, and, for an event of a wallet, {@code customer_id}, {@code credit_type} and the
 * wallet's {@code sequence} (its event count: one more with every event of the wallet).
 *
 * @param seq the event's position in the outbox (every event's is different)
 */
public record Event(String id, long seq, String type, Instant createdAt, String customerId,
                    Map<String, Object> data) {
    /** The prefix of event ids. */
    public static final String ID_PREFIX = "evt_";
    static final int ID_DIGITS = 16;

    /** The id of the event at outbox position {@code seq}. */
    public static String idOf(long seq) {
        String digits = Long.toString(seq);
        return ID_PREFIX + "0".repeat(Math.max(0, ID_DIGITS - digits.length())) + digits;
    }

    /** The outbox position of an event id; -1 for text that is not one. */
    public static long seqOf(String id) {
        if (id == null || !id.startsWith(ID_PREFIX) || id.length() != ID_PREFIX.length()
                + ID_DIGITS) {
            return -1;
        }
        try {
            long seq = Long.parseLong(id.substring(ID_PREFIX.length()));
            return seq > 0 ? seq : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The webhook body (and the feed's item). */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("type", type);
        body.put("created_at", createdAt.toString());
        body.put("data", data);
        return body;
    }
}
