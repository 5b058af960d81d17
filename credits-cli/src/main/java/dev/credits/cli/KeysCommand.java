package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.server.ApiKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The API keys the server accepts. Secrets are stored only as hashes. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Create, list and revoke the API keys of the HTTP server.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class,
                KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The stored keys of the command's database (the environment's key is not stored). */
    static ApiKeys keys(LedgerCommand command) {
        return new ApiKeys(command.ledgerDatabase().dataSource(), null);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print its secret. It is shown this once only.")
    static final class Create extends LedgerCommand {
        @Option(names = "--name", paramLabel = "NAME", required = true,
                description = "What the key is for.")
        String name;

        @Option(names = "--scope", paramLabel = "read|write|admin", defaultValue = "write",
                description = "read: GET only; write: the ledger, plans, AI, payments (default);"
                        + " admin: webhook endpoints too.")
        String scope;

        @Override
        int run(Credits credits) {
            String secret;
            ApiKeys.Scope parsed;
            try {
                parsed = ApiKeys.Scope.parse(scope);
                secret = keys(this).create(name, parsed);
            } catch (IllegalArgumentException e) {
                throw CliException.rejected(e.getMessage(), e);
            }
            out().println(secret);
            out().flush();
            err().println("created " + parsed.wireName() + " key '" + name + "'. Keep the secret"
                    + " above: it is not stored and cannot be shown again.");
            return Main.EXIT_OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the keys (never their secrets).")
    static final class ListKeys extends LedgerCommand {
        @Override
        int run(Credits credits) {
            String format = "%-22s %-32s %-6s %-27s %s%n";
            out().printf(format, "ID", "NAME", "SCOPE", "CREATED_AT", "STATUS");
            for (ApiKeys.ApiKey key : keys(this).list()) {
                String status = key.revoked() ? "revoked " + key.revokedAt() : "active";
                out().printf(format, key.id(), key.name(), key.scope().wireName(),
                        key.createdAt(), status);
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a key by id or name; servers stop accepting it within a second.")
    static final class Revoke extends LedgerCommand {
        @Parameters(paramLabel = "ID|NAME", description = "The key's id (key_…) or name.")
        String idOrName;

        @Override
        int run(Credits credits) {
            if (!keys(this).revoke(idOrName)) {
                throw CliException.rejected("no active key has the id or name '" + idOrName + "'");
            }
            out().println("revoked key " + idOrName);
            return Main.EXIT_OK;
        }
    }
}
