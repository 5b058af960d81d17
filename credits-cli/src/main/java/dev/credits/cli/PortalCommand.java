package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.server.portal.PortalSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The customer portal's links and signing key (docs/portal.md). */
@Command(name = "portal", mixinStandardHelpOptions = true,
        description = "Make a portal link for a customer, or rotate the key that signs links.",
        subcommands = {PortalCommand.Link.class, PortalCommand.RotateKey.class})
final class PortalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "link", mixinStandardHelpOptions = true,
            description = "Print a one-hour portal link of a customer (as POST"
                    + " /v1/portal-sessions does).")
    static final class Link extends LedgerCommand {
        @Option(names = "--customer", paramLabel = "CUSTOMER", required = true,
                description = "Customer id.")
        String customer;

        @Option(names = "--url", paramLabel = "URL", defaultValue = "http://localhost:"
                + ServeCommand.PORT_DEFAULT, description = "Where browsers reach the server"
                + " (default: ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--locale", paramLabel = "en|de", description = "The pages' language;"
                + " default: the browser's.")
        String locale;

        @Override
        int run(Credits credits) {
            PortalSessions.requireHttpUrl("--url", url);
            PortalSessions.Created created = new PortalSessions(ledgerDatabase().dataSource())
                    .createPortal(customer, locale, null);
            out().println(PortalSessions.linkUrl(url, created.linkToken()));
            err().println("valid until " + created.session().expiresAt());
            return Main.EXIT_OK;
        }
    }

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = "Make a new key sign portal links and sessions. Links and sessions"
                    + " already out keep working until they expire (at most "
                    + PortalSessions.CONSOLE_LIFETIME_HOURS + " hours); servers use the new key"
                    + " within a second.")
    static final class RotateKey extends LedgerCommand {
        @Override
        int run(Credits credits) {
            String id = new PortalSessions(ledgerDatabase().dataSource()).rotateKey();
            out().println("rotated: " + id + " signs from now on");
            return Main.EXIT_OK;
        }
    }
}
