package dev.credits.cli;

import dev.credits.Credits;
import dev.credits.postgres.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import picocli.CommandLine.Command;

/** Opening the ledger applies pending migrations; this reports where the schema now stands. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply pending database migrations and print the schema version.")
final class MigrateCommand extends LedgerCommand {
    private static final String VERSION_SQL = "select version, description from"
            + " flyway_schema_history where success and version is not null"
            + " order by installed_rank desc limit 1";

    @Override
    int run(Credits credits) throws SQLException {
        Database database = ledgerDatabase();
        try (Connection c = database.dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(VERSION_SQL)) {
            if (!rs.next()) {
                throw new IllegalStateException("the schema history is empty after migrating");
            }
            out().println("schema version " + rs.getString(1) + " (" + rs.getString(2) + ")");
        }
        out().println(database.description());
        return Main.EXIT_OK;
    }
}
