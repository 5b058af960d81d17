package dev.credits.plans;

import dev.credits.postgres.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;

/**
 * The clock of a server that may run on simulated time ({@code credits serve --test-clock}),
 * given to the ledger with {@code CreditsConfig.withClock}. The simulated time is kept in the
 * database ({@code test_clock}), so a restart and every CLI command continue from it; it starts
 * at the real time, stands still between advances and only moves forward.
 *
 * <p>Until {@link #attach} has read the database this clock cannot tell the time and throws
 * {@link IllegalStateException}: reading the real time there could expire credits early.
 */
public final class TestClock extends Clock {
    /** What the process expects of the database's clock. */
    public enum Mode {
        /** {@code serve --test-clock}: simulated; starts at the real time on a new database. */
        SIMULATED,
        /** {@code serve}: real time; a database that has run on a test clock is refused. */
        REAL,
        /** A one-shot command: follows the stored simulated time if there is one. */
        FOLLOW
    }

    private volatile boolean attached;
    private volatile boolean simulated;
    private volatile Instant now;
    private DataSource dataSource;

    private TestClock() {
    }

    public static TestClock create() {
        return new TestClock();
    }

    /**
     * Reads (or, for a new simulated clock, writes) the stored time. Throws
     * {@link IllegalStateException} in {@link Mode#REAL} on a database that has run on a test
     * clock.
     */
    public synchronized void attach(DataSource source, Mode mode) {
        attach(source, mode, null);
    }

    /**
     * As {@link #attach(DataSource, Mode)}; a new simulated clock starts at {@code start} (null:
     * now), say weeks ago for a demo with history. A start on a database that already has a clock
     * throws {@link IllegalStateException}: its time cannot go back.
     */
    public synchronized void attach(DataSource source, Mode mode, Instant start) {
        this.dataSource = source;
        Instant stored = read();
        if (start != null && (mode != Mode.SIMULATED || stored != null)) {
            throw new IllegalStateException(stored != null ? "this database already has a test"
                    + " clock (at " + stored + "); --test-clock-start is only for a new one."
                    + " Leave it out, or use another --data directory."
                    : "a start time needs the simulated clock (--test-clock)");
        }
        if (mode == Mode.REAL && stored != null) {
            throw new IllegalStateException("this database has run on a test clock (its"
                    + " simulated time is " + stored + "); its times would jump if it ran on real"
                    + " time. Start it with --test-clock, or use another database.");
        }
        if (mode == Mode.SIMULATED && stored == null) {
            stored = (start != null ? start : Clock.systemUTC().instant())
                    .truncatedTo(ChronoUnit.MICROS);
            insert(stored);
        }
        simulated = stored != null;
        now = stored;
        attached = true;
    }

    /** True when time is simulated (stands still between advances). */
    public boolean isSimulated() {
        requireAttached();
        return simulated;
    }

    /**
     * Moves the simulated time to {@code target} and stores it. Another process that moved the
     * stored time further wins: this clock then continues from the stored time.
     */
    public synchronized Instant moveTo(Instant target) {
        requireAttached();
        if (!simulated) {
            throw new IllegalStateException("the clock is not simulated");
        }
        if (target.isBefore(now)) {
            throw new IllegalArgumentException("the test clock only moves forward");
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update test_clock set now = ?,"
                     + " updated_at = ? where now <= ?")) {
            Jdbc.setInstant(ps, 1, target);
            Jdbc.setInstant(ps, 2, Clock.systemUTC().instant());
            Jdbc.setInstant(ps, 3, target);
            now = ps.executeUpdate() == 1 ? target : read();
            return now;
        } catch (SQLException e) {
            throw SubscriptionStore.translate(e);
        }
    }

    /** The stored simulated time of a database; null when it has never run on a test clock. */
    public static Instant storedTime(DataSource source) {
        TestClock probe = new TestClock();
        probe.dataSource = source;
        return probe.read();
    }

    private Instant read() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select now from test_clock");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Jdbc.getInstant(rs, 1) : null;
        } catch (SQLException e) {
            throw SubscriptionStore.translate(e);
        }
    }

    private void insert(Instant start) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into test_clock (now, created_at,"
                     + " updated_at) values (?, ?, ?) on conflict do nothing")) {
            Instant real = Clock.systemUTC().instant();
            Jdbc.setInstant(ps, 1, start);
            Jdbc.setInstant(ps, 2, real);
            Jdbc.setInstant(ps, 3, real);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SubscriptionStore.translate(e);
        }
    }

    private void requireAttached() {
        if (!attached) {
            throw new IllegalStateException("the clock was read before the database said whether"
                    + " time is simulated");
        }
    }

    @Override
    public Instant instant() {
        requireAttached();
        return simulated ? now : Clock.systemUTC().instant();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
