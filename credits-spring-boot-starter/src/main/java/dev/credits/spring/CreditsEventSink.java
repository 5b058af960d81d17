package dev.credits.spring;

import dev.credits.event.CreditsEvent;

/**
 * Something in the application that takes every committed ledger event, subscribed by
 * {@link CreditsLifecycle} once the context is ready (the starter's meters are one). Called on
 * the ledger's event thread, at least once per event, in order per wallet.
 */
public interface CreditsEventSink {
    void accept(CreditsEvent event);
}
