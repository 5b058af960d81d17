package dev.credits;

import dev.credits.event.CreditsEvent;
import java.util.function.Consumer;

/** Where in-process listeners subscribe to ledger events. */
public interface CreditsEvents {
    /**
     * Calls {@code listener} for every event of {@code type} committed after this call, on the
     * event thread, in commit order per wallet, at least once. A listener that throws is logged
     * and does not stop delivery.
     */
    <E extends CreditsEvent> void on(Class<E> type, Consumer<? super E> listener);
}
