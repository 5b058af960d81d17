package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.VerifyReport;
import picocli.CommandLine.Command;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check every ledger invariant.",
                "Exits 0 when the ledger is consistent, 1 on any violation (each is printed)."})
final class VerifyCommand extends LedgerCommand {
    @Override
    int run(Credits credits) {
        VerifyReport report = credits.verify();
        for (String violation : report.violations()) {
            out().println("violation: " + violation);
        }
        String summary = "checked " + report.wallets() + " wallets and " + report.transactions()
                + " transactions: ";
        if (report.isClean()) {
            out().println(summary + "clean");
            return Main.EXIT_OK;
        }
        out().println(summary + report.violations().size() + " violation(s)");
        return Main.EXIT_FAILURE;
    }
}
