package dev.credits.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import javax.sql.DataSource;

/**
 * A pool that answers at once while its database is known to be down. A pool without
 * connections makes every caller wait its full connection timeout (5 s) before failing; in an
 * outage under load that holds every request thread for 5 s each, and clients see a server that
 * hangs instead of one that says "unavailable, retry". So once a connection cannot be had (the
 * pool timed out, or the driver was refused: SQL states 08 and 57P), this data source fails every
 * caller at once for {@link #OPEN_NANOS}, then lets one caller at a time try the pool (waiting
 * its timeout again while the database is still down): the first that gets a connection closes
 * the breaker for everyone. A pool that is only busy (every
 * connection in use) is not "down" and never opens it.
 *
 * <p>Only {@code getConnection} is guarded: a connection already handed out fails by itself,
 * and the pool drops connections that failed that way.
 */
final class FailFastDataSource extends DelegatingDataSource {
    static final long OPEN_NANOS = 500_000_000L;

    private final String name;
    private final IntSupplier connections;
    private volatile long openUntilNanos;
    private volatile boolean open;
    private final AtomicBoolean probing = new AtomicBoolean();

    /**
     * @param connections how many connections the pool holds, in use or idle (Hikari's total);
     *        null when the pool does not say (an application's own)
     */
    FailFastDataSource(DataSource pool, String name, IntSupplier connections) {
        super(pool);
        this.name = name;
        this.connections = connections;
    }

    /** Around one of the ledger's own pools. */
    static FailFastDataSource around(HikariDataSource pool) {
        return new FailFastDataSource(pool, pool.getPoolName(), () -> {
            HikariPoolMXBean bean = pool.getHikariPoolMXBean();
            return bean == null ? 0 : bean.getTotalConnections();
        });
    }

    /** True while the database is known to be unreachable. */
    boolean isOpen() {
        return open;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (!open) {
            return attempt();
        }
        if (System.nanoTime() - openUntilNanos < 0 || !probing.compareAndSet(false, true)) {
            throw new SQLTransientConnectionException("the database cannot be reached (" + name
                    + ": the last attempt failed; retrying)", "08001");
        }
        try {
            return attempt();
        } finally {
            probing.set(false);
        }
    }

    private Connection attempt() throws SQLException {
        try {
            Connection connection = pool.getConnection();
            open = false;
            return connection;
        } catch (SQLException e) {
            if (isUnreachable(e)) {
                openUntilNanos = System.nanoTime() + OPEN_NANOS;
                open = true;
            }
            throw e;
        }
    }

    /**
     * Refused or lost, not merely busy. A pool that timed out carries the SQL state of its last
     * failure to connect, however old, so a timeout counts only when the pool holds no
     * connection at all: a busy pool has them all in use; one whose database is gone has
     * dropped each as it failed.
     */
    private boolean isUnreachable(SQLException e) {
        return Jdbc.isConnectionFailure(e)
                && (connections == null || connections.getAsInt() == 0);
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the ledger's pools have their user");
    }
}
