import dev.credits.Credits;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.GrantSource;
import dev.credits.History;
import dev.credits.Hold;
import dev.credits.InsufficientCreditsException;
import dev.credits.Spend;
import dev.credits.Wallet;
import dev.credits.event.CreditsSpent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The Java API in one file. Run from the repository root:
 * ./credits --version >/dev/null && java -cp "credits-cli/target/lib/*" examples/QuickStart.java
 */
public class QuickStart {
    public static void main(String[] args) throws Exception {
        Path data = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("credits-example");
        try (Credits credits = Credits.open(CreditsConfig.defaults().withDataDirectory(data))) {
            credits.events().on(CreditsSpent.class, e ->
                    System.out.println("event: " + e.customerId() + " spent " + e.amountUnits()
                            + " units on " + e.feature()));

            Wallet w = credits.wallet("user_42", "credits");
            Grant purchase = Grant.of("100.00").source(GrantSource.PURCHASE)
                    .expiresAt(Instant.now().plus(Duration.ofDays(180)))
                    .idempotencyKey("pay_123");
            w.grant(purchase);
            w.grant(purchase); // a webhook retry of the same payment: changes nothing
            w.spend(Spend.of("10.00").feature("chat"));

            Hold hold = w.hold("5.00", Duration.ofMinutes(15));
            System.out.println("available while held: " + w.available());
            hold.capture("3.20");

            try {
                w.spend(Spend.of("1000.00"));
            } catch (InsufficientCreditsException e) {
                System.out.println("refused: balance " + e.getBalance() + ", required "
                        + e.getRequired());
            }
            System.out.println("can spend 50.00? " + w.canSpend("50.00"));
            System.out.println("history: " + w.history(History.query().limit(10)).data().size()
                    + " entries");
            System.out.println("balance: " + w.balance());
        }
    }
}
