package dev.credits.webhooks;

import java.util.List;

/** One page of a list, newest first; {@code nextCursor} fetches the next, null at the end. */
public record Page<T>(List<T> data, String nextCursor) {
}
