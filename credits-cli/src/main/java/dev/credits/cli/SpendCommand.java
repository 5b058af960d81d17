package dev.credits.cli;

import dev.credits.Allocation;
import dev.credits.Credits;
import dev.credits.Spend;
import dev.credits.SpendResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "spend", mixinStandardHelpOptions = true,
        description = "Use credits from a customer's wallet, in burn-down order.")
final class SpendCommand extends LedgerCommand {
    @Parameters(index = "0", paramLabel = "CUSTOMER", description = "Customer id.")
    String customerId;

    @Parameters(index = "1", paramLabel = "AMOUNT", description = "Decimal amount, e.g. 10.25.")
    String amount;

    @Option(names = "--type", paramLabel = "CREDIT_TYPE", defaultValue = "credits",
            description = "Credit type (default: ${DEFAULT-VALUE}).")
    String creditType;

    @Option(names = "--feature", paramLabel = "FEATURE",
            description = "What the credits paid for, e.g. chat.")
    String feature;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history.")
    String reason;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Makes a retry of this spend a no-op.")
    String idempotencyKey;

    @Override
    int run(Credits credits) {
        SpendResult spend = credits.wallet(customerId, creditType).spend(Spend.of(amount)
                .feature(feature)
                .reason(reason)
                .idempotencyKey(idempotencyKey));
        out().printf("spent %s %s from %s%n", spend.amount(), spend.creditType(),
                spend.customerId());
        Output.field(out(), "transaction", spend.transactionId());
        for (Allocation allocation : spend.allocations()) {
            String from = allocation.grantId() == null ? "overdraft" : allocation.grantId();
            Output.field(out(), "paid by", from + " " + allocation.amount());
        }
        Output.field(out(), "balance", spend.balance());
        Output.field(out(), "available", spend.available());
        return Main.EXIT_OK;
    }
}
