package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.GrantRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "void", mixinStandardHelpOptions = true,
        description = "Void a grant: what remains of it leaves the wallet.")
final class VoidCommand extends LedgerCommand {
    @Parameters(index = "0", paramLabel = "GRANT_ID", description = "The grant, e.g. grt_….")
    String grantId;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history.")
    String reason;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Makes a retry of this void a no-op.")
    String idempotencyKey;

    @Override
    int run(Credits credits) {
        GrantRecord grant = credits.voidGrant(grantId, reason, idempotencyKey);
        out().printf("voided grant %s of %s (%s %s)%n", grant.id(), grant.customerId(),
                grant.amount(), grant.creditType());
        Output.field(out(), "status", grant.status().wireName());
        if (grant.balance() != null) {
            Output.field(out(), "balance", grant.balance());
        }
        return Main.EXIT_OK;
    }
}
