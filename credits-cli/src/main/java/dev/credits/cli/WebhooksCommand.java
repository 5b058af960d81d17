package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.webhooks.Delivery;
import dev.credits.webhooks.Endpoint;
import dev.credits.webhooks.Page;
import dev.credits.webhooks.Webhooks;
import dev.credits.webhooks.WebhooksConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The webhook endpoints and their delivery logs, read from the database (a running server
 * delivers; these commands only look and schedule). Endpoints are made over HTTP, where the
 * secret is shown.
 */
@Command(name = "webhooks", mixinStandardHelpOptions = true,
        description = "List webhook endpoints, show an endpoint's deliveries, retry one.",
        subcommands = {WebhooksCommand.ListEndpoints.class, WebhooksCommand.Deliveries.class,
                WebhooksCommand.Retry.class})
final class WebhooksCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Webhooks on the command's database, delivering nothing itself. */
    static Webhooks open(LedgerCommand command, Credits credits) {
        return Webhooks.open(credits, command.ledgerDatabase().backgroundDataSource(),
                WebhooksConfig.defaults().withPollIntervalMs(0));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every endpoint: id, status, URL and the event types it receives.")
    static final class ListEndpoints extends LedgerCommand {
        private static final String ROW_FORMAT = "%-30s %-9s %-50s %s%n";

        @Override
        int run(Credits credits) {
            try (Webhooks webhooks = open(this, credits)) {
                out().printf(ROW_FORMAT, "ID", "STATUS", "URL", "EVENTS");
                for (Endpoint e : webhooks.endpoints()) {
                    out().printf(ROW_FORMAT, e.id(), e.status(), e.url(),
                            String.join(",", e.events()));
                }
                return Main.EXIT_OK;
            }
        }
    }

    @Command(name = "deliveries", mixinStandardHelpOptions = true,
            description = "An endpoint's delivery attempts, newest first.")
    static final class Deliveries extends LedgerCommand {
        private static final String ROW_FORMAT = "%-30s %-20s %-24s %7s %-9s %6s  %s%n";

        @Parameters(index = "0", paramLabel = "ENDPOINT", description = "Endpoint id (whe_…).")
        String endpointId;

        @Mixin
        PageOptions paging;

        @Override
        int run(Credits credits) {
            try (Webhooks webhooks = open(this, credits)) {
                Page<Delivery> page = webhooks.deliveries(endpointId, paging.limit, paging.cursor);
                out().printf(ROW_FORMAT, "ID", "EVENT", "TYPE", "ATTEMPT", "STATUS", "HTTP",
                        "DETAIL");
                for (Delivery d : page.data()) {
                    String detail = d.error() != null ? d.error() : "";
                    if (d.nextAttemptAt() != null) {
                        detail = (detail.isEmpty() ? "" : detail + "; ")
                                + (d.status().equals(Delivery.PENDING) ? "due " : "retry at ")
                                + d.nextAttemptAt();
                    }
                    out().printf(ROW_FORMAT, d.id(), d.eventId(), d.eventType(), d.attempt(),
                            d.status(), Output.cell(d.responseStatus()), detail);
                }
                if (page.nextCursor() != null) {
                    out().println("more: --cursor " + page.nextCursor());
                }
                return Main.EXIT_OK;
            }
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Send a delivery's event to its endpoint again, now (a running server"
                    + " sends it).")
    static final class Retry extends LedgerCommand {
        @Parameters(index = "0", paramLabel = "DELIVERY", description = "Delivery id (whd_…).")
        String deliveryId;

        @Override
        int run(Credits credits) {
            try (Webhooks webhooks = open(this, credits)) {
                Delivery retry = webhooks.retry(deliveryId);
                out().println(retry.id() + ": attempt " + retry.attempt() + " of "
                        + retry.eventId() + " to " + retry.endpointId() + ", due now");
                return Main.EXIT_OK;
            }
        }
    }
}
