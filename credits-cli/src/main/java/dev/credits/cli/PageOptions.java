package dev.credits.cli;

import dev.credits.History;
import picocli.CommandLine.Option;

/** {@code --limit} and {@code --cursor} of the commands that print a list page by page. */
final class PageOptions {
    @Option(names = "--limit", paramLabel = "ROWS", defaultValue = "" + History.LIMIT_DEFAULT,
            description = "Rows per page, 1-" + History.LIMIT_MAX + " (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", paramLabel = "CURSOR",
            description = "Continue after a previous page.")
    String cursor;
}
