package dev.credits;

/** A handle on a hold: its state when last read, and the operations that settle it. */
public final class Hold {
    private final Credits credits;
    private final HoldRecord record;

    Hold(Credits credits, HoldRecord record) {
        this.credits = credits;
        this.record = record;
    }

    public String id() {
        return record.id();
    }

    public HoldRecord record() {
        return record;
    }

    /**
     * Spends {@code amount} and releases the rest. Up to the held amount always succeeds; more
     * spends the extra under the overdraft limit ({@link InsufficientCreditsException}).
     */
    public Hold capture(String amount) {
        return new Hold(credits, credits.capture(record.id(), amount, null));
    }

    public Hold release() {
        return new Hold(credits, credits.release(record.id(), null));
    }
}
