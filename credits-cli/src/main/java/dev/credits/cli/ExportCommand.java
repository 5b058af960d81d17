package dev.credits.cli;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.CustomerIds;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Streams the journal oldest first through a database cursor, so memory stays flat however long
 * the history is. A file is written beside its target and moved into place only when complete.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export transactions as CSV or JSON Lines, oldest first.")
final class ExportCommand extends LedgerCommand {
    /** Rows the database sends per round trip of the cursor. */
    static final int FETCH_ROWS = 1_000;
    /** A progress line on stderr after every this many rows. */
    static final long PROGRESS_INTERVAL_ROWS = 10_000;

    enum Format { csv, jsonl }

    @Option(names = "--format", paramLabel = "csv|jsonl", defaultValue = "csv",
            description = "csv or jsonl (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write here (default: stdout).")
    Path output;

    @Option(names = "--customer", paramLabel = "CUSTOMER", description = "Only this customer.")
    String customerId;

    @Option(names = "--type", paramLabel = "CREDIT_TYPE", description = "Only this credit type.")
    String creditType;

    @Override
    int run(Credits credits) throws IOException, SQLException {
        if (customerId != null) {
            CustomerIds.requireValid(customerId);
        }
        if (creditType != null) {
            credits.creditTypes().require(creditType);
        }
        DataSource dataSource = ledgerDatabase().dataSource();
        long rows;
        if (output == null) {
            rows = export(dataSource, credits.creditTypes(), out());
        } else {
            rows = exportToFile(dataSource, credits.creditTypes());
        }
        err().println("exported " + rows + " transactions to "
                + (output == null ? "stdout" : output));
        err().flush();
        return Main.EXIT_OK;
    }

    private long exportToFile(DataSource dataSource, CreditTypes types)
            throws IOException, SQLException {
        Path target = output.toAbsolutePath();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        boolean done = false;
        try (Writer writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            long rows = export(dataSource, types, writer);
            writer.close();
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return rows;
        } finally {
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
    }

    private long export(DataSource dataSource, CreditTypes types, Writer writer)
            throws IOException, SQLException {
        ExportWriter export = ExportWriter.of(format, writer);
        export.begin();
        long rows = 0;
        try (Connection c = dataSource.getConnection()) {
            // PostgreSQL streams with a cursor only inside a transaction.
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement(sql())) {
                ps.setFetchSize(FETCH_ROWS);
                int i = 1;
                if (customerId != null) {
                    ps.setString(i++, customerId);
                }
                if (creditType != null) {
                    ps.setString(i, creditType);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        export.write(row(rs, types));
                        rows++;
                        if (rows % PROGRESS_INTERVAL_ROWS == 0) {
                            err().println("exported " + rows + " transactions…");
                            err().flush();
                        }
                    }
                }
            } finally {
                c.rollback();
            }
        }
        export.finish();
        return rows;
    }

    private String sql() {
        StringBuilder sql = new StringBuilder("select id, customer_id, credit_type, type, source,"
                + " grant_id, hold_id, amount, balance_after, feature, reason,"
                + " metadata::text as metadata, created_at, effective_at from transactions"
                + " where true");
        if (customerId != null) {
            sql.append(" and customer_id = ?");
        }
        if (creditType != null) {
            sql.append(" and credit_type = ?");
        }
        return sql.append(" order by seq").toString();
    }

    private static ExportRow row(ResultSet rs, CreditTypes types) throws SQLException {
        String typeId = rs.getString("credit_type");
        if (!types.contains(typeId)) {
            throw CliException.rejected("transaction " + rs.getString("id") + " has credit type '"
                    + typeId + "', which is not configured; pass the server's --config");
        }
        CreditType type = types.require(typeId);
        return new ExportRow(rs.getString("id"), rs.getString("customer_id"), typeId,
                rs.getString("type"), rs.getString("source"), rs.getString("grant_id"),
                rs.getString("hold_id"), amount(type, rs.getLong("amount")),
                amount(type, rs.getLong("balance_after")), rs.getString("feature"),
                rs.getString("reason"), rs.getString("metadata"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("effective_at", OffsetDateTime.class).toInstant());
    }

    private static Amount amount(CreditType type, long units) {
        return type.amount(units);
    }
}
