package dev.credits.postgres;

import dev.credits.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * The one JDBC helper: transactions, error translation, and nullable values and instants as
 * {@code timestamptz}; for the ledger's storage and the modules that keep tables beside it.
 */
public final class Jdbc {
    private Jdbc() {
    }

    /** Work on one connection inside a transaction. */
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a transaction: committed when it returns, rolled back if it throws. */
    public static <T> T inTransaction(DataSource dataSource, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure); // keep the first error
                }
                throw e;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Sets a statement's parameters. */
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Reads a result set into a value. */
    public interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** One query on a connection of its own (autocommit), read by {@code reader}. */
    public static <T> T query(DataSource dataSource, String sql, Binder binder,
                              Reader<T> reader) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return reader.read(rs);
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** One statement on a connection of its own (autocommit); the rows it changed. */
    public static int update(DataSource dataSource, String sql, Binder binder) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** A lost or refused connection is {@link StorageUnavailableException}; the rest is a bug. */
    public static RuntimeException translate(SQLException e) {
        String state = e.getSQLState();
        if (e instanceof SQLTransientConnectionException || isConnectionFailure(e)) {
            return new StorageUnavailableException("the database cannot be reached: "
                    + e.getMessage(), e);
        }
        return new IllegalStateException("database error " + state + ": " + e.getMessage(), e);
    }

    /**
     * The database refused or lost the connection (SQL states 08, connection exceptions, and
     * 57P, an operator or a shutdown ending the session).
     */
    static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /** An instant as {@code timestamptz}, or SQL null. */
    public static void setInstant(PreparedStatement ps, int index, Instant value)
            throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            // As timestamptz, in UTC: the driver writes an OffsetDateTime itself, where a
            // Timestamp goes through the JVM's default Calendar (a fifth of a batch's CPU).
            ps.setObject(index, value.atOffset(ZoneOffset.UTC));
        }
    }

    public static Instant getInstant(ResultSet rs, int index) throws SQLException {
        OffsetDateTime value = rs.getObject(index, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    public static Instant getInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    public static void setLongOrNull(PreparedStatement ps, int index, Long value)
            throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    public static Long getLongOrNull(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** Text as {@code jsonb}. */
    public static void setJson(PreparedStatement ps, int index, String json) throws SQLException {
        ps.setObject(index, json, Types.OTHER);
    }
}
