package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.postgres.PostgresLedgerStore;
import dev.credits.server.ApiKeys;
import dev.credits.server.CreditsServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.Callable;
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
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--port", defaultValue = "" + PORT_DEFAULT,
            description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > PORT_MAX) {
            throw CliException.rejected("--port must be 0.." + PORT_MAX + ", was " + port);
        }
        requirePortFree(port);
        Credits credits = Credits.open(database.config());
        CreditsServer server;
        try {
            ApiKeys keys = new ApiKeys(((PostgresLedgerStore) credits.store()).database()
                    .dataSource());
            server = CreditsServer.start(credits, keys, port);
        } catch (RuntimeException e) {
            credits.close();
            if (hasCause(e, BindException.class)) {
                throw portTaken(port);
            }
            throw e;
        }
        Shutdown shutdown = new Shutdown(server, credits);
        shutdown.install();
        ReadyMessage.print(spec.commandLine().getOut(), server.port(), database,
                System.getenv(ApiKeys.ENVIRONMENT_VARIABLE) != null);
        shutdown.await();
        return Main.EXIT_OK;
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
