package dev.credits.ai;

/** The provider call itself, run only after its maximum cost is held. */
@FunctionalInterface
public interface AiCallback<R> {
    R call() throws Exception;
}
