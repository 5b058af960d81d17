package dev.credits.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code credits} commands in this JVM and captures what they print. */
final class Cli {
    record Result(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private final List<String> databaseArguments;

    Cli(String... databaseArguments) {
        this.databaseArguments = List.of(databaseArguments);
    }

    /** Runs {@code args} followed by this CLI's database options. */
    Result run(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(databaseArguments);
        return execute(all.toArray(String[]::new));
    }

    static Result execute(String... args) {
        CommandLine commandLine = Main.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
