package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.server.CreditsServer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Stops the server gracefully, once: requests in flight finish, then the ledger closes, which
 * stops the embedded database.
 *
 * <p>SIGTERM and SIGINT are handled here, before the JVM begins to exit, because shutdown hooks
 * run concurrently: the embedded database library registers a hook of its own that stops
 * PostgreSQL at once, which would fail the requests still in flight. After a graceful stop that
 * hook finds the database already stopped. A shutdown hook remains for any other way out.
 */
final class Shutdown {
    private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);
    private static final List<String> SIGNALS = List.of("TERM", "INT");

    private final CreditsServer server;
    private final Credits credits;
    private final List<AutoCloseable> beforeLedger;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean done;
    private volatile boolean stopping;

    /**
     * {@code beforeLedger} (webhook delivery, say; nulls are skipped) close after the server,
     * before the ledger.
     */
    Shutdown(CreditsServer server, Credits credits, AutoCloseable... beforeLedger) {
        this.server = server;
        this.credits = credits;
        this.beforeLedger = java.util.Arrays.stream(beforeLedger)
                .filter(java.util.Objects::nonNull).toList();
    }

    void install() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "credits-shutdown"));
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), signal -> stop());
            } catch (IllegalArgumentException e) {
                // The signal is not available here (or the JVM runs with -Xrs); the hook remains.
                LOG.debug("cannot handle SIG{}", name, e);
            }
        }
    }

    /** Returns once the server has stopped. */
    void await() throws InterruptedException {
        stopped.await();
    }

    /** True once a stop has begun. */
    boolean isStopping() {
        return stopping;
    }

    /** Stops everything; a second caller waits for the first to finish. */
    synchronized void stop() {
        if (done) {
            return;
        }
        done = true;
        stopping = true;
        try {
            LOG.info("stopping: finishing requests in flight");
            server.stop();
        } catch (RuntimeException e) {
            LOG.warn("the HTTP server did not stop cleanly", e);
        } finally {
            for (AutoCloseable part : beforeLedger) {
                try {
                    part.close();
                } catch (Exception e) {
                    LOG.warn("{} did not close cleanly", part.getClass().getSimpleName(), e);
                }
            }
            try {
                credits.close();
                LOG.info("stopped");
            } catch (RuntimeException e) {
                LOG.warn("the ledger did not close cleanly", e);
            }
            stopped.countDown();
        }
    }
}
