package dev.credits.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.server.HttpLimits;
import org.junit.jupiter.api.Test;

/** The http section: rate limits, connections, timeouts, protected operations pages. */
class HttpConfigTest {
    static AppConfig parse(String yaml) {
        return ConfigFile.parse(yaml, "c.yml");
    }

    @Test
    void noSection_isTheDefaults() {
        assertThat(parse("credit_types: [{id: credits}]\n").http()).isEqualTo(HttpLimits.DEFAULTS);
        assertThat(AppConfig.defaults().http()).isEqualTo(HttpLimits.DEFAULTS);
    }

    @Test
    void theSection_setsEachLimit_andARateAloneGetsTwoSecondsOfBurst() {
        HttpLimits limits = parse("""
                http:
                  rate_limit: {requests_per_second: 500, burst: 800}
                  max_connections: 100
                  idle_timeout_seconds: 10
                  protect_operations: true
                """).http();
        assertThat(limits.requestsPerSecond()).isEqualTo(500);
        assertThat(limits.burst()).isEqualTo(800);
        assertThat(limits.maxConnections()).isEqualTo(100);
        assertThat(limits.idleTimeoutSeconds()).isEqualTo(10);
        assertThat(limits.protectOperations()).isTrue();
        assertThat(parse("http: {rate_limit: {requests_per_second: 300}}\n").http().burst())
                .isEqualTo(600);
    }

    @Test
    void badValues_areReportedWithTheirKey() {
        String[][] cases = {
                {"http: {rate_limit: {requests_per_second: 0}}", "http.rate_limit.requests_per_second"},
                {"http: {rate_limit: {requests_per_second: 1.5}}", "http.rate_limit.requests_per_second"},
                {"http: {rate_limit: {burst: -1}}", "http.rate_limit.burst"},
                {"http: {rate_limit: {per_minute: 3}}", "http.rate_limit.per_minute"},
                {"http: {max_connections: 0}", "http.max_connections"},
                {"http: {idle_timeout_seconds: 99999}", "http.idle_timeout_seconds"},
                {"http: {protect_operations: yes please}", "http.protect_operations"},
                {"http: {protect_operations: yes}", "http.protect_operations"},
                {"http: {protect_operations: on}", "http.protect_operations"},
                {"http: {rate: 3}", "http.rate"},
                {"http: [1, 2]", "http"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(c[0] + "\n")).as(c[0])
                    .isInstanceOf(ConfigException.class).hasMessageContaining(c[1]);
        }
    }
}
