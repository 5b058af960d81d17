package dev.credits.cli;

import dev.credits.CreditsException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;

/**
 * The {@code credits} command. Every subcommand but {@code serve} works on the database directly,
 * with the server stopped or running.
 *
 * <p>Exit codes: 0 success, 1 a failed check ({@code verify}) or an unexpected error, 2 a
 * rejected operation or bad usage (nothing was written).
 */
@Command(name = "credits", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A prepaid-credits ledger: the HTTP server and the operator's tools.",
        subcommands = {ServeCommand.class, KeysCommand.class, GrantCommand.class,
                SpendCommand.class, BalanceCommand.class, HistoryCommand.class,
                VoidCommand.class, MigrateCommand.class, VerifyCommand.class,
                ExportCommand.class, dev.credits.cli.bench.BenchCommand.class,
                RenewCommand.class, SweepCommand.class, WebhooksCommand.class,
                EventsCommand.class, ReportCommand.class, PortalCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    /** A check failed ({@code verify}) or something unexpected went wrong. */
    public static final int EXIT_FAILURE = 1;
    /** The operation was rejected (bad input, insufficient credits, …) or the usage was wrong. */
    public static final int EXIT_REJECTED = 2;
    /** {@code serve} stopped because its embedded PostgreSQL died; a supervisor restarts it. */
    public static final int EXIT_DATABASE_LOST = 3;

    /** The level of credits' own loggers (logback.xml); operator commands raise it to warn. */
    private static final String LOG_LEVEL_PROPERTY = "credits.log.level";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length == 0 || !"serve".equals(args[0])) {
            // Operator commands print their own results; the engine's "database: …" line is
            // for the server's log. Set before the first logger is made.
            if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
                System.setProperty(LOG_LEVEL_PROPERTY, "warn");
            }
        }
        int exitCode = newCommandLine().execute(args);
        System.exit(exitCode);
    }

    /** The configured command line; tests use it to run commands in-process. */
    public static CommandLine newCommandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler(new ErrorHandler());
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints {@code error: <code>: <message>} instead of a stack trace. */
    static final class ErrorHandler implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine,
                                            CommandLine.ParseResult parseResult) {
            PrintWriter err = commandLine.getErr();
            if (e instanceof CreditsException credits) {
                err.println("error: " + credits.code() + ": " + credits.getMessage());
                err.flush();
                return EXIT_REJECTED;
            }
            if (e instanceof CliException cli) {
                err.println("error: " + describe(cli));
                err.flush();
                return cli.exitCode();
            }
            err.println("error: " + describe(e));
            if (System.getenv("CREDITS_DEBUG") != null) {
                e.printStackTrace(err);
            } else {
                err.println("(set CREDITS_DEBUG=1 for the stack trace)");
            }
            err.flush();
            return EXIT_FAILURE;
        }
    }

    /** The message of an exception and of its causes, for one line of output. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause();
             cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"credits " + (version == null ? "development" : version)};
        }
    }
}
