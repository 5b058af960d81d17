package dev.credits.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;

/** Small helpers for the human-readable output of the commands. */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Output() {
    }

    /** One indented {@code name  value} line. */
    static void field(PrintWriter out, String name, Object value) {
        out.printf("  %-12s %s%n", name, value);
    }

    /** One line of JSON. */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass(), e);
        }
    }

    /** The text, or {@code -} for none, for table cells. */
    static String cell(Object value) {
        return value == null ? "-" : value.toString();
    }
}
