package dev.credits.server.config;

import dev.credits.webhooks.WebhooksConfig;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The {@code webhooks:} section of the configuration file.
 * <pre>
 * webhooks:
 *   allow_private_networks: false   # true: also deliver to loopback and private addresses
 * </pre>
 */
final class WebhooksSection {
    static final String WEBHOOKS = "webhooks";
    static final Set<String> KEYS = Set.of("allow_private_networks");

    private final ConfigFile file;

    WebhooksSection(ConfigFile file) {
        this.file = file;
    }

    WebhooksConfig read(Node node) {
        WebhooksConfig config = WebhooksConfig.defaults();
        if (node == null || ConfigFile.isNull(node)) {
            return config;
        }
        Map<String, Node> fields = file.mapping(node, WEBHOOKS);
        if (fields == null) {
            return config;
        }
        file.unknownKeys(fields, WEBHOOKS, KEYS, "allow_private_networks");
        Node allow = fields.get("allow_private_networks");
        if (allow != null && !ConfigFile.isNull(allow)) {
            Boolean value = ConfigFile.strictBoolean(allow);
            if (value != null) {
                config = config.withAllowPrivateNetworks(value);
            } else {
                file.error(allow, WEBHOOKS + ".allow_private_networks", "must be true or false");
            }
        }
        return config;
    }
}
