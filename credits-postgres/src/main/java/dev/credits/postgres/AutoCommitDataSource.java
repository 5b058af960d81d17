package dev.credits.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * An application's pool as the ledger needs it: every connection it hands out is in auto-commit
 * mode, as the ledger's own pools are. The ledger's single statements (marking events delivered,
 * deleting old keys) commit by themselves and its transactions turn auto-commit off and commit
 * explicitly; an application pool configured with auto-commit off (a common Hibernate setting)
 * would otherwise roll those single statements back when the connection is returned.
 */
final class AutoCommitDataSource extends DelegatingDataSource {
    AutoCommitDataSource(DataSource pool) {
        super(pool);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return autoCommitting(pool.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return autoCommitting(pool.getConnection(user, password));
    }

    private static Connection autoCommitting(Connection c) throws SQLException {
        try {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }
}
