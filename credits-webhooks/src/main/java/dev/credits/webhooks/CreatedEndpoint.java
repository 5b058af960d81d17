package dev.credits.webhooks;

/** A new endpoint with its signing secret, shown this once; {@code replayed} for a retry. */
public record CreatedEndpoint(Endpoint endpoint, String secret, boolean replayed) {
}
