package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.plans.Plans;
import picocli.CommandLine.Command;

/**
 * One pass of the renewal scheduler, for cron: renews every subscription whose period has ended
 * and completes any period a crash left half-granted. Safe to run in several processes at once
 * and beside a running server: each period is granted exactly once.
 */
@Command(name = "renew", mixinStandardHelpOptions = true,
        description = "Renew every subscription that is due (safe to run from cron, in parallel).")
final class RenewCommand extends LedgerCommand {
    @Override
    int run(Credits credits) {
        try (Plans plans = Plans.open(credits, ledgerDatabase().dataSource(), database.appConfig().catalog())) {
            int renewed = plans.renewDue();
            out().println("renewed " + renewed + " subscription" + (renewed == 1 ? "" : "s"));
            return Main.EXIT_OK;
        }
    }
}
