package dev.credits.server.config;

import dev.credits.server.HttpLimits;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The {@code http:} section of the configuration file (docs/operations.md).
 * <pre>
 * http:
 *   rate_limit:
 *     requests_per_second: 20000   # per API key, in each server process
 *     burst: 40000                 # default: two seconds' worth
 *   max_connections: 4096
 *   idle_timeout_seconds: 30
 *   protect_operations: false      # true: /metrics, /openapi.json and /docs need an API key
 * </pre>
 */
final class HttpSection {
    static final String HTTP = "http";
    static final Set<String> KEYS = Set.of("rate_limit", "max_connections",
            "idle_timeout_seconds", "protect_operations");
    static final Set<String> RATE_LIMIT_KEYS = Set.of("requests_per_second", "burst");

    private final ConfigFile file;

    HttpSection(ConfigFile file) {
        this.file = file;
    }

    HttpLimits read(Node node) {
        HttpLimits limits = HttpLimits.DEFAULTS;
        if (node == null || ConfigFile.isNull(node)) {
            return limits;
        }
        Map<String, Node> fields = fields(node, HTTP, KEYS);
        if (fields == null) {
            return limits;
        }
        Node rate = fields.get("rate_limit");
        if (rate != null && !ConfigFile.isNull(rate)) {
            Map<String, Node> rateFields = fields(rate, HTTP + ".rate_limit", RATE_LIMIT_KEYS);
            if (rateFields != null) {
                long perSecond = number(rateFields.get("requests_per_second"),
                        HTTP + ".rate_limit.requests_per_second", limits.requestsPerSecond(), 1,
                        HttpLimits.REQUESTS_PER_SECOND_MAX);
                // Without a burst of its own, a rate allows two seconds' worth at once.
                long burst = number(rateFields.get("burst"), HTTP + ".rate_limit.burst",
                        Math.min(HttpLimits.BURST_MAX, 2 * perSecond), 1, HttpLimits.BURST_MAX);
                limits = limits.withRateLimit(perSecond, burst);
            }
        }
        limits = limits.withMaxConnections((int) number(fields.get("max_connections"),
                HTTP + ".max_connections", limits.maxConnections(), 1,
                HttpLimits.MAX_CONNECTIONS_MAX));
        limits = limits.withIdleTimeoutSeconds((int) number(fields.get("idle_timeout_seconds"),
                HTTP + ".idle_timeout_seconds", limits.idleTimeoutSeconds(), 1,
                HttpLimits.IDLE_TIMEOUT_SECONDS_MAX));
        Node protect = fields.get("protect_operations");
        if (protect != null && !ConfigFile.isNull(protect)) {
            Boolean value = ConfigFile.strictBoolean(protect);
            if (value != null) {
                limits = limits.withProtectOperations(value);
            } else {
                file.error(protect, HTTP + ".protect_operations", "must be true or false");
            }
        }
        return limits;
    }

    private Map<String, Node> fields(Node node, String path, Set<String> known) {
        Map<String, Node> fields = file.mapping(node, path);
        if (fields == null) {
            return null;
        }
        file.unknownKeys(fields, path, known, "one of " + new java.util.TreeSet<>(known));
        return fields;
    }

    /** A whole number in min..max; the default when absent; an error (and the default) else. */
    private long number(Node node, String path, long fallback, long min, long max) {
        if (node == null || ConfigFile.isNull(node)) {
            return fallback;
        }
        if (node instanceof ScalarNode scalar && node.getTag().equals(Tag.INT)) {
            try {
                long value = Long.parseLong(scalar.getValue().replace("_", ""));
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        file.error(node, path, "must be a whole number " + min + ".." + max);
        return fallback;
    }
}
