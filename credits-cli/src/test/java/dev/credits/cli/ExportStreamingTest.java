package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.testing.TestDatabase;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A long journal streams through the export with progress lines, oldest first. */
class ExportStreamingTest {
    private static final int ROWS = 25_000;

    @Test
    void export_longJournal_streamsEveryRowWithProgress(@TempDir Path dir) throws Exception {
        String url = TestDatabase.newDatabaseUrl();
        Cli cli = new Cli("--database-url", url, "--database-user", TestDatabase.user());
        assertThat(cli.run("migrate").exitCode()).isZero();
        // Written straight to the journal: only the export reads it here, not the ledger.
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement st = c.createStatement()) {
            st.execute("insert into transactions (customer_id, id, credit_type, type, amount,"
                    + " balance_after, contra_account, created_at, effective_at)"
                    + " select 'bulk', 'txn_' || lpad(i::text, 8, '0'), 'credits', 'usage', -1,"
                    + " -i, 'usage', now(), now() from generate_series(1, " + ROWS + ") i");
        }
        Path file = dir.resolve("all.csv");
        Cli.Result result = cli.run("export", "--output", file.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).contains("exported 10000 transactions…",
                "exported 20000 transactions…", "exported " + ROWS + " transactions to ");
        long lines = 0;
        String last = null;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines++;
                last = line;
            }
        }
        assertThat(lines).isEqualTo(ROWS + 1);
        assertThat(last).startsWith("txn_000" + ROWS + ",bulk,credits,usage,,,,-0.01,-250.00,");
    }
}
