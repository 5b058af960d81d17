package dev.credits.cli;

/** A failure the CLI explains in one line and ends with {@link #exitCode()}. */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad input from the operator: a wrong option value, a bad config file. */
    static CliException rejected(String message) {
        return new CliException(Main.EXIT_REJECTED, message, null);
    }

    static CliException rejected(String message, Throwable cause) {
        return new CliException(Main.EXIT_REJECTED, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
