package dev.credits.server.config;

import java.util.List;

/**
 * A configuration file that cannot be used. {@link #errors()} lists every problem found, each
 * naming the file, the line and the key, e.g. {@code credits.yml:7: credit_types[1].scale: must
 * be an integer 0..9}.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join(System.lineSeparator(), errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
