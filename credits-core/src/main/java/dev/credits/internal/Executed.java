package dev.credits.internal;

/** What a command returned, and whether it was the replay of a request made before. */
public record Executed<R>(R result, boolean replayed) {
}
