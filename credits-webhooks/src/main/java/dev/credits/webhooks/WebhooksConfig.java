package dev.credits.webhooks;

/**
 * How webhooks are delivered.
 *
 * @param allowPrivateNetworks deliver to loopback, private and link-local addresses too (for a
 *                             receiver on the same machine or network; off by default: SSRF)
 * @param workers              deliveries in flight at once in this process, over all endpoints
 * @param pollIntervalMs       how often the outbox and the due deliveries are looked at; 0 starts
 *                             no background threads (tests call {@link Webhooks#deliverDue()})
 */
public record WebhooksConfig(boolean allowPrivateNetworks, int workers, long pollIntervalMs) {
    public static final int WORKERS_DEFAULT = 32;
    public static final int WORKERS_MAX = 256;
    public static final long POLL_INTERVAL_MS_DEFAULT = 200;

    public WebhooksConfig {
        if (workers < 1 || workers > WORKERS_MAX) {
            throw new IllegalArgumentException("workers must be 1.." + WORKERS_MAX);
        }
        if (pollIntervalMs < 0) {
            throw new IllegalArgumentException("pollIntervalMs must not be negative");
        }
    }

    public static WebhooksConfig defaults() {
        return new WebhooksConfig(false, WORKERS_DEFAULT, POLL_INTERVAL_MS_DEFAULT);
    }

    public WebhooksConfig withAllowPrivateNetworks(boolean allow) {
        return new WebhooksConfig(allow, workers, pollIntervalMs);
    }

    public WebhooksConfig withPollIntervalMs(long ms) {
        return new WebhooksConfig(allowPrivateNetworks, workers, ms);
    }

    public WebhooksConfig withWorkers(int count) {
        return new WebhooksConfig(allowPrivateNetworks, count, pollIntervalMs);
    }
}
