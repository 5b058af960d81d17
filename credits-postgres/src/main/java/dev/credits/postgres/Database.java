package dev.credits.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.credits.CreditsConfig;
import dev.credits.internal.GroupCommitter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the ledger runs on: the configured JDBC URL, or the embedded PostgreSQL in the
 * data directory. Migrates the schema on open and logs one line saying which database, where,
 * and its durability settings.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    static final long CONNECTION_TIMEOUT_MS = 5_000;

    /**
     * Connections of the ledger's own write pool with group commit: one per committer, and one
     * spare for a committer whose connection died and is being replaced.
     */
    static final int WRITE_POOL_SPARE = 1;
    /** Connections of the pool for background work (webhook delivery), opened when used. */
    public static final int BACKGROUND_POOL_SIZE = 4;

    private final EmbeddedDatabase embedded;
    private final HikariDataSource dataSource;
    private final HikariDataSource writeDataSource;
    private final HikariDataSource backgroundDataSource;
    private final String description;

    private Database(EmbeddedDatabase embedded, HikariDataSource dataSource,
                     HikariDataSource writeDataSource, HikariDataSource backgroundDataSource,
                     String description) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.writeDataSource = writeDataSource;
        this.backgroundDataSource = backgroundDataSource;
        this.description = description;
    }

    public static Database open(CreditsConfig config) {
        EmbeddedDatabase embedded = null;
        String url = config.databaseUrl();
        String user = config.databaseUser();
        String password = config.databasePassword();
        if (url == null) {
            embedded = EmbeddedDatabase.start(config.dataDirectory(), config.durable());
            url = embedded.jdbcUrl();
            user = embedded.user();
            password = null;
        }
        HikariDataSource dataSource = null;
        HikariDataSource writeDataSource = null;
        HikariDataSource background = null;
        try {
            dataSource = pool("credits", url, user, password, config.poolSize());
            migrate(dataSource);
            // Ledger batches get a pool of their own: subscriptions, AI calls and reads, however
            // many, can never take the connections that spends commit on.
            int writers = config.groupCommit() ? GroupCommitter.COMMITTERS + WRITE_POOL_SPARE
                    : config.poolSize();
            writeDataSource = pool("credits-write", url, user, password, writers);
            background = pool("credits-background", url, user, password,
                    BACKGROUND_POOL_SIZE, 0);
            String description = describe(dataSource, embedded, url);
            LOG.info(description);
            return new Database(embedded, dataSource, writeDataSource, background, description);
        } catch (RuntimeException e) {
            if (background != null) {
                background.close();
            }
            if (writeDataSource != null) {
                writeDataSource.close();
            }
            if (dataSource != null) {
                dataSource.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    private static HikariDataSource pool(String name, String url, String user, String password,
                                         int size) {
        return pool(name, url, user, password, size, Math.min(2, size));
    }

    private static HikariDataSource pool(String name, String url, String user, String password,
                                         int size, int minimumIdle) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        if (user != null) {
            hikari.setUsername(user);
        }
        if (password != null) {
            hikari.setPassword(password);
        }
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(minimumIdle);
        hikari.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        hikari.setPoolName(name);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.addDataSourceProperty("ApplicationName", "credits");
        return new HikariDataSource(hikari);
    }

    static void migrate(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration")
                .loggers("slf4j").load().migrate();
    }

    private static String describe(DataSource dataSource, EmbeddedDatabase embedded, String url) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select current_setting('server_version'),"
                     + " current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            String where = embedded == null ? url
                    : "embedded in " + embedded.directory() + " on port " + embedded.port()
                    + (embedded.isAttached() ? " (already running; attached)" : "");
            return "database: PostgreSQL " + rs.getString(1) + ", " + where + ", fsync="
                    + rs.getString(2) + ", synchronous_commit=" + rs.getString(3);
        } catch (SQLException e) {
            throw PostgresLedgerStore.translate(e);
        }
    }

    /** The pool for reads and for the modules beside the ledger (plans, AI, keys). */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The pool the ledger's batches commit on, and nothing else. */
    DataSource writeDataSource() {
        return writeDataSource;
    }

    /**
     * A pool of its own for background work beside the ledger (webhook delivery), so that it
     * never takes the connections of reads or of the write path.
     */
    public DataSource backgroundDataSource() {
        return backgroundDataSource;
    }

    /** The embedded database, when there is one (none with a database URL). */
    public Optional<EmbeddedDatabase> embedded() {
        return Optional.ofNullable(embedded);
    }

    /** The line logged at open: which database, where, and its durability settings. */
    public String description() {
        return description;
    }

    @Override
    public void close() {
        backgroundDataSource.close();
        writeDataSource.close();
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
