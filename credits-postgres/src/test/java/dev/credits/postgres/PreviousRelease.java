package dev.credits.postgres;

import dev.credits.Credits;
import dev.credits.GrantSource;
import dev.credits.internal.Command;
import dev.credits.internal.WalletKey;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A database written by the previous release, kept as data: every ledger command run once with an
 * idempotency key, then each table copied out as CSV ({@code src/test/resources/previous-release}).
 * {@link PreviousReleaseTest} loads it into a new database and retries each command. To freeze the
 * current release's database before a change that touches what is stored, run
 * {@code ./mvnw -B -o -pl credits-postgres test -Dtest=PreviousReleaseTest
 * -Dcredits.previousRelease.write=credits-postgres/src/test/resources/previous-release}.
 */
final class PreviousRelease {
    static final String RESOURCE = "/previous-release/";
    static final String CUSTOMER = "prev_user";
    /** The tables of the ledger, in an order that loads without breaking a foreign key. */
    static final List<String> TABLES = List.of("wallets", "transactions", "grants",
            "holds", "idempotency_keys", "outbox");
    /** The schema version the fixture was written at. */
    static final String SCHEMA_VERSION = "8";
    static final Instant EXPIRES = Instant.parse("2031-06-30T12:00:00.123456Z");
    static final Instant EFFECTIVE = Instant.parse("2030-01-01T00:00:00Z");

    private PreviousRelease() {
    }

    /** The ids the commands of the fixture were given, by name. */
    record Ids(String capturedHold, String releasedHold, String voidedGrant) {
        Properties asProperties() {
            Properties p = new Properties();
            p.setProperty("captured_hold", capturedHold);
            p.setProperty("released_hold", releasedHold);
            p.setProperty("voided_grant", voidedGrant);
            return p;
        }

        static Ids of(Properties p) {
            return new Ids(p.getProperty("captured_hold"), p.getProperty("released_hold"),
                    p.getProperty("voided_grant"));
        }
    }

    private static WalletKey wallet() {
        return new WalletKey(CUSTOMER, "credits");
    }

    /** The commands that make holds and grants the later ones name. */
    static Map<String, Command<?>> setUp() {
        Map<String, Command<?>> commands = new LinkedHashMap<>();
        commands.put("grant", new Command.Grant(wallet(), 100_000, GrantSource.PURCHASE, 40,
                null, EXPIRES, "pack «large» — 1,000", "{\"invoice\":\"in_1\",\"n\":1.50,"
                + "\"tags\":[\"a\",\"é\"]}", "prev-grant"));
        commands.put("scheduled", new Command.Grant(wallet(), 2_500, GrantSource.SUBSCRIPTION,
                50, EFFECTIVE, null, null, null, "prev-scheduled"));
        commands.put("derived", new Command.Grant(wallet(), 700, GrantSource.PROMOTION, 10,
                null, null, "derived", null, "\u00a7sub:sub_1:p1:allowance:credits"));
        commands.put("spend", new Command.Spend(wallet(), 1_234, "chat", "a reply",
                "{\"model\":\"gpt\"}", "prev-spend"));
        commands.put("adjust", new Command.Adjust(wallet(), -10, "support correction", null,
                "prev-adjust"));
        commands.put("hold", new Command.Hold(wallet(), 5_000, 900, "render", null,
                "prev-hold"));
        commands.put("hold2", new Command.Hold(wallet(), 600, 60, null, null, "prev-hold2"));
        commands.put("grant2", new Command.Grant(wallet(), 300, GrantSource.REFUND, 50, null,
                null, null, null, "prev-grant2"));
        return commands;
    }

    /** The commands addressed by the ids the set-up made. */
    static Map<String, Command<?>> byId(Ids ids) {
        Map<String, Command<?>> commands = new LinkedHashMap<>();
        commands.put("capture", new Command.Capture(ids.capturedHold(), 4_000, "prev-capture"));
        commands.put("release", new Command.Release(ids.releasedHold(), "prev-release"));
        commands.put("void", new Command.VoidGrant(ids.voidedGrant(), "refunded", "prev-void"));
        return commands;
    }

    /** Runs the fixture's commands on {@code credits}, returning the ids they made. */
    static Ids run(Credits credits) {
        Map<String, Object> results = new LinkedHashMap<>();
        setUp().forEach((name, command) -> results.put(name, credits.run(command)));
        Ids ids = new Ids(((dev.credits.HoldRecord) results.get("hold")).id(),
                ((dev.credits.HoldRecord) results.get("hold2")).id(),
                ((dev.credits.GrantRecord) results.get("grant2")).id()); // a fixture of mixed types
        byId(ids).values().forEach(credits::run);
        return ids;
    }

    /** Copies each table of the database at {@code url} to {@code directory} as CSV. */
    static void write(String url, String user, Ids ids, Path directory)
            throws SQLException, IOException {
        Files.createDirectories(directory);
        try (Connection c = DriverManager.getConnection(url, user, null)) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (String table : TABLES) {
                try (Writer out = Files.newBufferedWriter(directory.resolve(table + ".csv"),
                        StandardCharsets.UTF_8)) {
                    copy.copyOut("copy " + table + " to stdout with (format csv, header)", out);
                }
            }
        }
        try (Writer out = Files.newBufferedWriter(directory.resolve("ids.properties"),
                StandardCharsets.UTF_8)) {
            ids.asProperties().store(out, "ids the previous release's commands made");
        }
    }

    /** Loads the fixture into the database at {@code url}, migrated to its schema version. */
    static Ids load(String url, String user) throws SQLException, IOException {
        List<String> missing = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, user, null)) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (String table : TABLES) {
                try (var in = PreviousRelease.class.getResourceAsStream(RESOURCE + table
                        + ".csv")) {
                    if (in == null) {
                        missing.add(table);
                        continue;
                    }
                    try (Reader reader = new java.io.InputStreamReader(in,
                            StandardCharsets.UTF_8)) {
                        copy.copyIn("copy " + table + " from stdin with (format csv, header)",
                                reader);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the fixture has no table " + missing);
        }
        Properties p = new Properties();
        try (var in = PreviousRelease.class.getResourceAsStream(RESOURCE + "ids.properties")) {
            p.load(in);
        }
        return Ids.of(p);
    }
}
