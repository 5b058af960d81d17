package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Show a customer's transactions, newest first.")
final class HistoryCommand extends LedgerCommand {
    private static final String ROW_FORMAT = "%-27s %-30s %-10s %-12s %16s %16s  %s%n";

    @Parameters(index = "0", paramLabel = "CUSTOMER", description = "Customer id.")
    String customerId;

    @Option(names = "--type", paramLabel = "CREDIT_TYPE",
            description = "Only this credit type (default: all).")
    String creditType;

    @Option(names = "--kind", paramLabel = "KIND",
            description = "Only grant, usage, expiry, void or adjustment entries.")
    String kind;

    @Option(names = "--daily", description = "Merge usage per UTC day, credit type and feature.")
    boolean daily;

    @Mixin
    PageOptions paging;

    @Override
    int run(Credits credits) {
        History query = History.query().creditType(creditType).limit(paging.limit)
                .after(paging.cursor);
        if (kind != null) {
            query = query.type(TransactionType.parse(kind));
        }
        if (daily) {
            query = query.groupDaily();
        }
        HistoryPage page = credits.history(customerId, query);
        out().printf(ROW_FORMAT, "CREATED_AT", "ID", "TYPE", "CREDIT_TYPE", "AMOUNT",
                "BALANCE_AFTER", "DETAIL");
        for (Transaction t : page.data()) {
            String id = t.id() != null ? t.id() : t.date() + " x" + t.count();
            out().printf(ROW_FORMAT, t.createdAt(), id, t.type().wireName(), t.creditType(),
                    t.amount(), Output.cell(t.balanceAfter()), detail(t));
        }
        if (page.nextCursor() != null) {
            out().println("more: --cursor " + page.nextCursor());
        }
        return Main.EXIT_OK;
    }

    private static String detail(Transaction t) {
        StringBuilder text = new StringBuilder();
        append(text, "source", t.source() == null ? null : t.source().wireName());
        append(text, "grant", t.grantId());
        append(text, "hold", t.holdId());
        append(text, "feature", t.feature());
        append(text, "reason", t.reason());
        return text.toString();
    }

    private static void append(StringBuilder text, String name, String value) {
        if (value != null) {
            text.append(text.length() == 0 ? "" : " ").append(name).append('=').append(value);
        }
    }
}
