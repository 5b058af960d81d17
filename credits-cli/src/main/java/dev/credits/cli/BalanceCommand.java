package dev.credits.cli;

import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.WalletBalance;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "balance", mixinStandardHelpOptions = true,
        description = "Show a customer's wallets: balance, held, available, overdraft limit.")
final class BalanceCommand extends LedgerCommand {
    @Parameters(index = "0", paramLabel = "CUSTOMER", description = "Customer id.")
    String customerId;

    @Option(names = "--type", paramLabel = "CREDIT_TYPE",
            description = "Only this credit type (default: every configured type).")
    String creditType;

    @Override
    int run(Credits credits) {
        List<WalletBalance> wallets = creditType == null ? credits.wallets(customerId)
                : List.of(credits.wallet(customerId, creditType).state());
        String format = "%-16s %20s %20s %20s %20s%n";
        out().printf(format, "CREDIT_TYPE", "BALANCE", "HELD", "AVAILABLE", "OVERDRAFT_LIMIT");
        for (WalletBalance wallet : wallets) {
            CreditType type = credits.creditTypes().require(wallet.creditType());
            out().printf(format, wallet.creditType(), wallet.balance(), wallet.held(),
                    wallet.available(), wallet.overdraftLimit().render(type.scale()));
        }
        return Main.EXIT_OK;
    }
}
