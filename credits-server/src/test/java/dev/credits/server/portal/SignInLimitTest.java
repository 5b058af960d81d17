package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.ApiKeys;
import dev.credits.server.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console refuses an address that keeps trying wrong keys, for a minute. */
class SignInLimitTest {
    static final long SECOND_NANOS = 1_000_000_000L;

    @Test
    void tenWrongKeys_refuseTheAddressForAMinute_evenWithTheRightKey() {
        try (TestServer server = TestServer.startDemo(PortalFixture.catalog())) {
            PortalHttp web = new PortalHttp(server);
            String key = server.keys.create("console-limit", ApiKeys.Scope.WRITE);
            for (int i = 0; i < SignInFailures.FAILURES_MAX; i++) {
                assertThat(web.post("/admin/sign-in", null, Map.of("key", "sk_guess" + i))
                        .status()).isEqualTo(401);
            }
            PortalHttp.Page refused = web.post("/admin/sign-in", null, Map.of("key", key));
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.cookie()).isNull();
            assertThat(refused.body()).contains("Too many failed sign-ins");
        }
    }

    @Test
    void theWindow_endsAfterAMinute_andCountsPerAddress() {
        SignInFailures failures = new SignInFailures();
        long start = 5 * SECOND_NANOS;
        for (int i = 1; i < SignInFailures.FAILURES_MAX; i++) {
            assertThat(failures.fail("10.0.0.1", start)).isFalse();
        }
        assertThat(failures.retryAfterSeconds("10.0.0.1", start)).isZero();
        assertThat(failures.fail("10.0.0.1", start)).as("the tenth").isTrue();
        assertThat(failures.retryAfterSeconds("10.0.0.1", start)).isEqualTo(60);
        assertThat(failures.retryAfterSeconds("10.0.0.1", start + 59 * SECOND_NANOS + 1))
                .isEqualTo(1);
        assertThat(failures.retryAfterSeconds("10.0.0.2", start)).as("another address").isZero();
        assertThat(failures.retryAfterSeconds("10.0.0.1", start + 60 * SECOND_NANOS)).isZero();
        assertThat(failures.fail("10.0.0.1", start + 60 * SECOND_NANOS)).as("a new window")
                .isFalse();
    }

    @Test
    void manyAddresses_shareOneWindowOnceTheMapIsFull() {
        SignInFailures failures = new SignInFailures();
        for (int i = 0; i < SignInFailures.CLIENTS_MAX; i++) {
            failures.fail("10.1." + (i / 256) + "." + (i % 256), 0);
        }
        for (int i = 0; i < SignInFailures.FAILURES_MAX; i++) {
            failures.fail("192.168.0." + i, 1);
        }
        assertThat(failures.retryAfterSeconds("192.168.0.99", 2)).as("shares the overflow")
                .isPositive();
        long later = SignInFailures.WINDOW_NANOS + 2;
        assertThat(failures.fail("172.16.0.1", later)).as("ended windows are dropped").isFalse();
        assertThat(failures.retryAfterSeconds("172.16.0.1", later)).isZero();
    }
}
