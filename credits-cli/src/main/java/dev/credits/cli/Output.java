package dev.credits.cli;

import java.io.PrintWriter;

/** Small helpers for the human-readable output of the commands. */
final class Output {
    private Output() {
    }

    /** One indented {@code name  value} line. */
    static void field(PrintWriter out, String name, Object value) {
        out.printf("  %-12s %s%n", name, value);
    }

    /** The text, or {@code -} for none, for table cells. */
    static String cell(Object value) {
        return value == null ? "-" : value.toString();
    }
}
