package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The breaker: open on a database that refuses, never on a pool that is only busy. */
class FailFastDataSourceTest {
    /** A pool that fails with {@code state} while {@code failing}, counting its calls. */
    static final class FakePool implements DataSource {
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean failing = true;
        volatile String state = "08001";

        @Override
        public Connection getConnection() throws SQLException {
            calls.incrementAndGet();
            if (failing) {
                throw new SQLTransientConnectionException("timed out", state);
            }
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> null);
        }

        @Override
        public Connection getConnection(String user, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }

    @Test
    void aRefusingDatabase_opensTheBreaker_thenOneCallerProbes_andASuccessClosesIt()
            throws Exception {
        FakePool pool = new FakePool();
        FailFastDataSource breaker = new FailFastDataSource(pool, "test", () -> 0);
        assertThatThrownBy(breaker::getConnection).isInstanceOf(SQLException.class);
        assertThat(breaker.isOpen()).isTrue();
        for (int i = 0; i < 100; i++) {
            assertThatThrownBy(breaker::getConnection)
                    .hasMessageContaining("the database cannot be reached")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
        }
        assertThat(pool.calls).as("failed at once, the pool untouched").hasValue(1);
        Thread.sleep(FailFastDataSource.OPEN_NANOS / 1_000_000 + 100);
        pool.failing = false;
        assertThat(breaker.getConnection()).isNotNull();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.getConnection()).isNotNull();
        assertThat(pool.calls).hasValue(3);
    }

    @Test
    void aBusyPool_neverOpensIt() {
        FakePool pool = new FakePool();
        pool.state = null; // Hikari's timeout with every connection in use and no failure
        FailFastDataSource busy = new FailFastDataSource(pool, "test", () -> 8);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(busy::getConnection).isInstanceOf(SQLException.class);
        }
        assertThat(busy.isOpen()).isFalse();
        pool.state = "08001"; // an old failure remembered, but the pool holds connections
        assertThatThrownBy(busy::getConnection).isInstanceOf(SQLException.class);
        assertThat(busy.isOpen()).isFalse();
        assertThat(pool.calls).hasValue(4);
    }
}
