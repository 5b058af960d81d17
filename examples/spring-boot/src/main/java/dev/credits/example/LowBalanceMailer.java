package dev.credits.example;

import dev.credits.event.BalanceLow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Ledger events are Spring events, delivered after their commit. */
@Component
class LowBalanceMailer {
    private static final Logger LOG = LoggerFactory.getLogger(LowBalanceMailer.class);

    @EventListener
    void on(BalanceLow low) {
        LOG.info("would e-mail {}: {} credits left", low.customerId(), low.availableUnits());
    }
}
