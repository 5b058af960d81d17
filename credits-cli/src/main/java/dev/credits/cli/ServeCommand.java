package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.ai.AiMetering;
import dev.credits.payments.Payments;
import dev.credits.plans.Plans;
import dev.credits.plans.TestClock;
import dev.credits.postgres.Database;
import dev.credits.postgres.EmbeddedDatabase;
import dev.credits.postgres.PostgresLedger;
import dev.credits.server.ApiKeys;
import dev.credits.server.CreditsServer;
import dev.credits.server.config.AppConfig;
import dev.credits.server.portal.PortalSessions;
import java.time.Instant;
import dev.credits.webhooks.Webhooks;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the HTTP server until SIGTERM or Ctrl+C, then stops gracefully: requests in flight finish,
 * then the ledger closes, which stops the embedded database cleanly.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the HTTP API server (embedded database in --data unless"
                + " --database-url is given).")
final class ServeCommand implements Callable<Integer> {
    static final int PORT_DEFAULT = 8080;
    static final int PORT_MAX = 65_535;
    static final String DEMO_DATA_DIRECTORY = "data-demo";
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--port", defaultValue = "" + PORT_DEFAULT,
            description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--test-clock", description = "Run on a simulated clock stored in the"
            + " database, moved forward with POST /v1/test-clock/advance. For trying out a year of"
            + " renewals and expiries; never for real customers.")
    boolean testClock;

    @Option(names = "--test-clock-start", paramLabel = "TIME", description = "With --test-clock:"
            + " where a new simulated clock starts (ISO-8601, e.g. 2026-01-01T00:00:00Z), say"
            + " weeks ago to write a history. Refused on a database that already has a clock.")
    java.time.Instant testClockStart;

    @Option(names = "--demo", description = "A demo: a test-clock database (in data-demo unless"
            + " --data says otherwise) with a customer, a plan, a pack and four weeks of usage;"
            + " the portal's buy page completes a purchase at once. Prints a portal link and the"
            + " console's address and key. Never for real customers.")
    boolean demo;

    @Option(names = "--public-url", paramLabel = "URL", description = "Where browsers reach this"
            + " server, for portal links (e.g. https://billing.example.com); default: the host"
            + " each API request names.")
    String publicUrl;

    @Option(names = "--log-format", paramLabel = "text|json",
            defaultValue = "${env:CREDITS_LOG_FORMAT:-text}", description = "How log lines are"
            + " written to stderr: text (default) or json, one object per line with time, level,"
            + " logger, message and the request_id of the HTTP request it was logged in"
            + " (default: CREDITS_LOG_FORMAT, else text).")
    String logFormat;

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        try {
            LogEncoder.useEverywhere(LogEncoder.Format.parse(logFormat));
        } catch (IllegalArgumentException e) {
            throw CliException.rejected("--log-format (or CREDITS_LOG_FORMAT): "
                    + e.getMessage());
        }
        if (port < 0 || port > PORT_MAX) {
            throw CliException.rejected("--port must be 0.." + PORT_MAX + ", was " + port);
        }
        requirePortFree(port);
        if (testClockStart != null && !testClock && !demo) {
            throw CliException.rejected("--test-clock-start needs --test-clock");
        }
        if (publicUrl != null) {
            try {
                PortalSessions.requireHttpUrl("--public-url", publicUrl);
            } catch (dev.credits.ValidationException e) {
                throw CliException.rejected(e.getMessage());
            }
        }
        if (demo && !database.isEmbedded()) {
            throw CliException.rejected("--demo runs on its own embedded database (./"
                    + DEMO_DATA_DIRECTORY + "), never on --database-url: it would put that"
                    + " database on a simulated clock for good");
        }
        if (demo) {
            testClock = true;
            if (DatabaseOptions.DATA_DIRECTORY_DEFAULT.equals(database.dataDirectory.toString())) {
                database.dataDirectory = java.nio.file.Path.of(DEMO_DATA_DIRECTORY);
            }
        }
        AppConfig app = database.appConfig();
        ServeLock lock = database.isEmbedded() ? ServeLock.acquire(database.dataDirectory) : null;
        TestClock clock = TestClock.create();
        PostgresLedger ledger;
        try {
            ledger = PostgresLedger.open(database.config().withClock(clock));
        } catch (RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
        Credits credits = ledger.credits();
        DataSource dataSource = ledger.dataSource();
        CreditsServer server;
        Plans plans = null;
        Webhooks webhooks = null;
        Payments payments = null;
        try {
            boolean newClock = attachClock(clock, dataSource);
            plans = Plans.open(credits, dataSource, demo
                    ? Demo.catalog(app.catalog(), credits.creditTypes()) : app.catalog());
            if (demo && newClock && !Demo.isSeeded(credits)) {
                spec.commandLine().getErr().print("Writing four weeks of demo usage ");
                Demo.seed(credits, plans, java.time.Instant.now(), spec.commandLine().getErr());
            }
            plans.startScheduler(Plans.RENEWAL_INTERVAL_MS_DEFAULT);
            ApiKeys keys = new ApiKeys(dataSource);
            AiMetering ai = app.ai() == null ? null
                    : AiMetering.open(credits, dataSource, app.ai());
            webhooks = Webhooks.open(credits, ledger.backgroundDataSource(), app.webhooks());
            payments = app.payments() == null ? null : Payments.open(credits, plans,
                    webhooks.autoTopups(), ledger.backgroundDataSource(), app.payments());
            server = CreditsServer.start(credits, keys, port, plans, ai, webhooks, payments,
                    new CreditsServer.PortalOptions(demo, publicUrl), app.http());
            webhooks.start();
            if (payments != null) {
                payments.start();
            }
        } catch (RuntimeException e) {
            if (payments != null) {
                payments.close();
            }
            if (webhooks != null) {
                webhooks.close();
            }
            if (plans != null) {
                plans.close();
            }
            credits.close();
            closeQuietly(lock);
            if (hasCause(e, BindException.class)) {
                throw portTaken(port);
            }
            throw e;
        }
        Shutdown shutdown = new Shutdown(server, credits, webhooks, payments);
        shutdown.install();
        AtomicBoolean databaseLost = new AtomicBoolean();
        watchPostmaster(ledger.database(), shutdown, databaseLost);
        ReadyMessage.print(spec.commandLine().getOut(), server.port(), database,
                System.getenv(ApiKeys.ENVIRONMENT_VARIABLE) != null);
        if (demo) {
            String url = publicUrl != null ? publicUrl : "http://localhost:" + server.port();
            ReadyMessage.printDemo(spec.commandLine().getOut(), url, PortalSessions.linkUrl(url,
                    new PortalSessions(dataSource).createPortal(Demo.CUSTOMER, null, null)
                            .linkToken()), demoKey(dataSource));
        }
        shutdown.await();
        closeQuietly(lock);
        return databaseLost.get() ? Main.EXIT_DATABASE_LOST : Main.EXIT_OK;
    }

    /**
     * If the embedded PostgreSQL this server started dies (killed, out of memory), every request
     * would answer 503 from then on. The server stops instead, with exit code
     * {@value Main#EXIT_DATABASE_LOST}, so that a supervisor restarts it; the restart recovers the
     * database from its write-ahead log.
     */
    private static void watchPostmaster(Database database, Shutdown shutdown,
                                        AtomicBoolean databaseLost) {
        database.embedded()
                .flatMap(EmbeddedDatabase::postmaster)
                .ifPresent(postmaster -> postmaster.onExit().thenRun(() -> {
                    if (shutdown.isStopping()) {
                        return;
                    }
                    databaseLost.set(true);
                    LOG.error("the embedded PostgreSQL (pid {}) has exited; stopping with exit"
                            + " code {} so that a supervisor restarts credits (the restart"
                            + " recovers the database)", postmaster.pid(),
                            Main.EXIT_DATABASE_LOST);
                    new Thread(shutdown::stop, "credits-database-lost").start();
                }));
    }

    private static void closeQuietly(ServeLock lock) {
        if (lock != null) {
            lock.close();
        }
    }

    /** An admin key for the demo's console, made anew at each start (the old one revoked). */
    private static String demoKey(DataSource dataSource) {
        ApiKeys keys = new ApiKeys(dataSource);
        keys.revoke(DEMO_KEY_NAME);
        return keys.create(DEMO_KEY_NAME, ApiKeys.Scope.ADMIN);
    }

    static final String DEMO_KEY_NAME = "demo-console";

    /**
     * Attaches the clock; refuses a test-clock database without the flag, loudly. True when the
     * simulated clock is new (a demo then writes its history).
     */
    private boolean attachClock(TestClock clock, DataSource dataSource) {
        boolean isNew = testClock && TestClock.storedTime(dataSource) == null;
        Instant start = testClockStart != null ? testClockStart
                : demo && isNew ? Demo.clockStart(Instant.now()) : null;
        try {
            clock.attach(dataSource, testClock ? TestClock.Mode.SIMULATED : TestClock.Mode.REAL,
                    start);
        } catch (IllegalStateException e) {
            throw CliException.rejected(e.getMessage());
        }
        if (testClock) {
            String warning = "WARNING: TIME IS SIMULATED (--test-clock). The clock stands at "
                    + clock.instant() + " and moves only with POST /v1/test-clock/advance."
                    + " Never use this database for real customers.";
            spec.commandLine().getErr().println(warning);
            spec.commandLine().getErr().flush();
            LOG.warn(warning);
        }
        return isNew;
    }

    /** Fails before the database starts, which takes seconds, when the port is in use. */
    private static void requirePortFree(int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
        } catch (BindException e) {
            throw portTaken(port);
        } catch (IOException e) {
            // Not conclusive; the server's own bind will tell.
            LOG.debug("could not probe port {}", port, e);
        }
    }

    private static CliException portTaken(int port) {
        return new CliException(Main.EXIT_FAILURE, "port " + port + " is already in use;"
                + " stop the program using it or choose another with --port", null);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
