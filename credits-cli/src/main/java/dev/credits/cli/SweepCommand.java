package dev.credits.cli;

import dev.credits.Credits;
import picocli.CommandLine.Command;

/**
 * One pass of the sweeper, for cron: records every grant expiry and hold expiry that is due, and
 * activates the scheduled grants that became effective. Safe to run in several processes at once
 * and beside a running server. {@code expire}, its first name, stays an alias.
 */
@Command(name = "sweep", aliases = "expire", mixinStandardHelpOptions = true,
        description = "Record everything due: grant and hold expiries, scheduled grants that"
                + " became effective (safe from cron, in parallel).")
final class SweepCommand extends LedgerCommand {
    @Override
    int run(Credits credits) {
        int swept = credits.sweep();
        out().println("swept " + swept + " wallet" + (swept == 1 ? "" : "s"));
        return Main.EXIT_OK;
    }
}
