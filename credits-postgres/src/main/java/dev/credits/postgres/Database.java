package dev.credits.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.credits.CreditsConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    private final EmbeddedDatabase embedded;
    private final HikariDataSource dataSource;
    private final String description;

    private Database(EmbeddedDatabase embedded, HikariDataSource dataSource, String description) {
        this.embedded = embedded;
        this.dataSource = dataSource;
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
        try {
            HikariConfig hikari = new HikariConfig();
            hikari.setJdbcUrl(url);
            if (user != null) {
                hikari.setUsername(user);
            }
            if (password != null) {
                hikari.setPassword(password);
            }
            hikari.setMaximumPoolSize(config.poolSize());
            hikari.setMinimumIdle(Math.min(2, config.poolSize()));
            hikari.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
            hikari.setPoolName("credits");
            hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
            hikari.addDataSourceProperty("ApplicationName", "credits");
            HikariDataSource dataSource = new HikariDataSource(hikari);
            migrate(dataSource);
            String description = describe(dataSource, embedded, url);
            LOG.info(description);
            return new Database(embedded, dataSource, description);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
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

    public DataSource dataSource() {
        return dataSource;
    }

    /** The line logged at open: which database, where, and its durability settings. */
    public String description() {
        return description;
    }

    @Override
    public void close() {
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
