package dev.credits.spring;

import dev.credits.Credits;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * {@code /actuator/health/credits}: down while the ledger's database cannot be reached, or once a
 * batch has failed a wallet invariant (a bug: nothing of that batch was written, but the ledger
 * wants a look); details name the credit types and the count of such batches.
 */
public class CreditsHealthIndicator extends AbstractHealthIndicator {
    private final Credits credits;

    public CreditsHealthIndicator(Credits credits) {
        super("the credits ledger's health check failed");
        this.credits = credits;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        long violations = credits.invariantViolations();
        boolean reachable = credits.isHealthy();
        (reachable && violations == 0 ? builder.up() : builder.down())
                .withDetail("database", reachable ? "reachable" : "unreachable")
                .withDetail("invariantViolations", violations)
                .withDetail("creditTypes", credits.creditTypes().all().stream()
                        .map(type -> type.id()).toList());
    }
}
