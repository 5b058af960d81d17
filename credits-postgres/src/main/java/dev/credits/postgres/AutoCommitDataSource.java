package dev.credits.postgres;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * An application's pool as the ledger needs it: every connection it hands out is in auto-commit
 * mode, as the ledger's own pools are. The ledger's single statements (marking events delivered,
 * deleting old keys) commit by themselves and its transactions turn auto-commit off and commit
 * explicitly; an application pool configured with auto-commit off (a common Hibernate setting)
 * would otherwise roll those single statements back when the connection is returned.
 */
final class AutoCommitDataSource implements DataSource {
    private final DataSource pool;

    AutoCommitDataSource(DataSource pool) {
        this.pool = pool;
    }

    DataSource pool() {
        return pool;
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

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(pool) ? type.cast(pool) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(pool) || pool.isWrapperFor(type);
    }
}
