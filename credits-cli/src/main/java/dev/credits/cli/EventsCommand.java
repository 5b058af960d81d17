package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.webhooks.Event;
import dev.credits.webhooks.Page;
import dev.credits.webhooks.Webhooks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The event feed: one JSON object per line, newest first, the bodies webhooks send. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Print events, newest first, one JSON object per line (as webhooks send"
                + " them).")
final class EventsCommand extends LedgerCommand {
    @Option(names = "--customer", paramLabel = "CUSTOMER", description = "Only this customer.")
    String customerId;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only this event type, e.g."
            + " credits.spent.")
    String type;

    @Mixin
    PageOptions paging;

    @Override
    int run(Credits credits) {
        try (Webhooks webhooks = WebhooksCommand.open(this, credits)) {
            Page<Event> page = webhooks.events(customerId, type, paging.limit, paging.cursor);
            for (Event event : page.data()) {
                out().println(Output.json(event.body()));
            }
            if (page.nextCursor() != null) {
                err().println("more: --cursor " + page.nextCursor());
            }
            return Main.EXIT_OK;
        }
    }
}
