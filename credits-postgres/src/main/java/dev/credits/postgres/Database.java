package dev.credits.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.credits.CreditsConfig;
import dev.credits.internal.GroupCommitter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the ledger runs on: the configured JDBC URL, the embedded PostgreSQL in the data
 * directory, or an application's own {@link DataSource} ({@link #on}). Migrates the schema on
 * open and logs one line saying which database, where, and its durability settings.
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
    /** Where the ledger's migrations are: a folder of its own, apart from an application's. */
    public static final String MIGRATIONS_LOCATION = "classpath:db/credits";
    /** The schema history of a database that is the ledger's alone (server, CLI, library). */
    public static final String HISTORY_TABLE_DEFAULT = "flyway_schema_history";
    /** Flyway's table names: unquoted SQL identifiers, as PostgreSQL folds them. */
    /** A query parameter of a JDBC URL that carries a secret: password, sslpassword, … */
    private static final Pattern URL_PASSWORD =
            Pattern.compile("(?i)([?&][^=&#]*(?:password|secret)[^=&#]*=)[^&#]*");
    private static final Pattern HISTORY_TABLE_PATTERN =
            Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final EmbeddedDatabase embedded;
    private final DataSource dataSource;
    private final DataSource writeDataSource;
    private final DataSource backgroundDataSource;
    /** The pools this object made and closes; none for an application's data source. */
    private final List<HikariDataSource> owned;
    private final String description;

    private Database(EmbeddedDatabase embedded, DataSource dataSource, DataSource writeDataSource,
                     DataSource backgroundDataSource, List<HikariDataSource> owned,
                     String description) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.writeDataSource = writeDataSource;
        this.backgroundDataSource = backgroundDataSource;
        this.owned = owned;
        this.description = description;
    }

    /**
     * The ledger on an application's own {@code dataSource} (e.g. the pool of a Spring Boot
     * application), migrated with a schema history table of its own ({@code historyTable}), so
     * that the application's migrations and the ledger's never mix: a schema that already holds
     * the application's tables is baselined at version 0 and then migrated from V1. Reads,
     * batches and background work all take connections from {@code dataSource}, in auto-commit
     * mode whatever the pool's default; the application keeps the pool and closes it.
     *
     * @throws IllegalArgumentException for a history table that is not a plain lower-case name
     *         or is Flyway's default (the application's own history), and for a data source that
     *         is not PostgreSQL
     */
    public static Database on(DataSource dataSource, String historyTable) {
        Objects.requireNonNull(dataSource, "dataSource");
        if (historyTable == null || !HISTORY_TABLE_PATTERN.matcher(historyTable).matches()
                || HISTORY_TABLE_DEFAULT.equals(historyTable)) {
            throw new IllegalArgumentException("the schema history table must match "
                    + HISTORY_TABLE_PATTERN + " and not be " + HISTORY_TABLE_DEFAULT
                    + " (an application's own): " + historyTable);
        }
        DataSource ledger = new AutoCommitDataSource(dataSource);
        requirePostgres(ledger);
        migrate(ledger, historyTable);
        String description = describe(ledger, null,
                "the application's data source (schema history in " + historyTable + ")");
        LOG.info(description);
        DataSource failFast = new FailFastDataSource(ledger, "the application's data source",
                null);
        return new Database(null, failFast, failFast, failFast, List.of(), description);
    }

    private static void requirePostgres(DataSource dataSource) {
        String product;
        try (Connection c = dataSource.getConnection()) {
            product = c.getMetaData().getDatabaseProductName();
        } catch (SQLException e) {
            throw PostgresLedgerStore.translate(e);
        }
        if (!"PostgreSQL".equals(product)) {
            throw new IllegalArgumentException("the ledger needs PostgreSQL; the data source is "
                    + product);
        }
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
            migrate(dataSource, HISTORY_TABLE_DEFAULT);
            // Ledger batches get a pool of their own: subscriptions, AI calls and reads, however
            // many, can never take the connections that spends commit on.
            int writers = config.groupCommit() ? GroupCommitter.COMMITTERS + WRITE_POOL_SPARE
                    : config.poolSize();
            writeDataSource = pool("credits-write", url, user, password, writers);
            background = pool("credits-background", url, user, password,
                    BACKGROUND_POOL_SIZE, 0);
            String description = describe(dataSource, embedded, url);
            LOG.info(description);
            return new Database(embedded, FailFastDataSource.around(dataSource),
                    FailFastDataSource.around(writeDataSource),
                    FailFastDataSource.around(background),
                    List.of(background, writeDataSource, dataSource), description);
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

    static void migrate(DataSource dataSource, String historyTable) {
        // A history table of its own is one the ledger shares a schema with an application in:
        // that schema may hold tables already, which Flyway refuses unless told to baseline.
        boolean shared = !HISTORY_TABLE_DEFAULT.equals(historyTable);
        Flyway.configure().dataSource(dataSource).locations(MIGRATIONS_LOCATION)
                .table(historyTable).baselineOnMigrate(shared).baselineVersion("0")
                .loggers("slf4j").load().migrate();
    }

    private static String describe(DataSource dataSource, EmbeddedDatabase embedded, String url) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select current_setting('server_version'),"
                     + " current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            String where = embedded == null ? redact(url)
                    : "embedded in " + embedded.directory() + " on port " + embedded.port()
                    + (embedded.isAttached() ? " (already running; attached)" : "");
            return "database: PostgreSQL " + rs.getString(1) + ", " + where + ", fsync="
                    + rs.getString(2) + ", synchronous_commit=" + rs.getString(3);
        } catch (SQLException e) {
            throw PostgresLedgerStore.translate(e);
        }
    }

    /**
     * {@code url} with the values of its password parameters ({@code password}, {@code
     * sslpassword}, …) and of a {@code user:password@} part replaced by {@code ***}: the form a
     * database URL is logged and printed in.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String redacted = URL_PASSWORD.matcher(url).replaceAll("$1***");
        int authority = redacted.indexOf("//");
        if (authority < 0) {
            return redacted;
        }
        // user:password@ comes before the query; a password may hold '/' (unencoded), so the
        // last '@' before the query ends it. Redacting too much is the safe side.
        int query = redacted.indexOf('?', authority);
        int at = redacted.lastIndexOf('@', query < 0 ? redacted.length() - 1 : query - 1);
        int colon = at < 0 ? -1 : redacted.indexOf(':', authority + 2);
        if (at < authority || colon < 0 || colon > at) {
            return redacted; // no user:password@
        }
        return redacted.substring(0, colon + 1) + "***" + redacted.substring(at);
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
        owned.forEach(HikariDataSource::close);
        if (embedded != null) {
            embedded.close();
        }
    }
}
