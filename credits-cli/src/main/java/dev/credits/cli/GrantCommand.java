package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.GrantRecord;
import dev.credits.GrantSource;
import dev.credits.GrantStatus;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "grant", mixinStandardHelpOptions = true,
        description = "Add credits to a customer's wallet.")
final class GrantCommand extends LedgerCommand {
    @Parameters(index = "0", paramLabel = "CUSTOMER", description = "Customer id, e.g. user_42.")
    String customerId;

    @Parameters(index = "1", paramLabel = "AMOUNT", description = "Decimal amount, e.g. 100.00.")
    String amount;

    @Option(names = "--type", paramLabel = "CREDIT_TYPE", defaultValue = "credits",
            description = "Credit type (default: ${DEFAULT-VALUE}).")
    String creditType;

    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "purchase",
            description = "purchase, promotion, subscription, adjustment or refund"
                    + " (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--priority", paramLabel = "0-100", defaultValue = "50",
            description = "0-100; lower is spent first (default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--effective-at", paramLabel = "TIME",
            description = "When the credits count from, ISO-8601 UTC (default: now).")
    Instant effectiveAt;

    @Option(names = "--expires-at", paramLabel = "TIME",
            description = "When the rest expires, ISO-8601 UTC (default: never).")
    Instant expiresAt;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history.")
    String reason;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Makes a retry of this grant a no-op.")
    String idempotencyKey;

    @Option(names = "--cost-basis", paramLabel = "MONEY",
            description = "What the customer paid for these credits, e.g. 9.00usd or 1500jpy"
                    + " (docs/revenue.md). None for a promotion.")
    String costBasis;

    /** {@code 9.00usd}: a decimal, then a lower-case ISO 4217 code. */
    static dev.credits.Money parseCostBasis(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "([0-9]+(?:\\.[0-9]+)?)([A-Za-z]{3})").matcher(text.trim());
        if (!m.matches()) {
            throw new dev.credits.ValidationException("--cost-basis", "must be an amount and a"
                    + " currency such as 9.00usd, was '" + text + "'");
        }
        return dev.credits.Money.parse(m.group(1), m.group(2).toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    int run(Credits credits) {
        dev.credits.Money cost = costBasis == null ? null : parseCostBasis(costBasis);
        GrantRecord grant = credits.wallet(customerId, creditType).grant(Grant.of(amount)
                .costBasis(cost)
                .source(GrantSource.parse(source))
                .priority(priority)
                .effectiveAt(effectiveAt)
                .expiresAt(expiresAt)
                .reason(reason)
                .idempotencyKey(idempotencyKey));
        out().printf("%s %s %s to %s%n", grant.status() == GrantStatus.SCHEDULED
                        ? "scheduled" : "granted", grant.amount(), grant.creditType(),
                grant.customerId());
        Output.field(out(), "grant", grant.id());
        if (grant.status() == GrantStatus.SCHEDULED) {
            Output.field(out(), "effective at", grant.effectiveAt());
        }
        Output.field(out(), "transaction", grant.transactionId());
        Output.field(out(), "remaining", grant.remaining());
        if (grant.costBasis() != null) {
            Output.field(out(), "cost basis", grant.costBasis() + " "
                    + grant.costBasis().currency());
        }
        if (grant.expiresAt() != null) {
            Output.field(out(), "expires at", grant.expiresAt());
        }
        if (grant.balance() != null) {
            Output.field(out(), "balance", grant.balance());
        }
        return Main.EXIT_OK;
    }
}
