package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.TestServer.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void metrics_countRequestsByRoute_andLedgerOperationsByOutcome() {
        try (TestServer t = TestServer.start()) {
            t.grant("m_1", "1.00");
            t.spend("m_1", "1.00", Map.of());
            t.spend("m_1", "1.00", Map.of());
            t.get("/v1/nowhere");
            Response r = t.send("GET", "/metrics", null, Map.of(), null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/plain");
            String text = r.body();
            assertThat(text).containsPattern("http_server_requests_seconds_count\\{"
                    + "method=\"POST\",route=\"/v1/customers/\\{customer\\}/spend\","
                    + "status=\"201\"} 1");
            assertThat(text).containsPattern("http_server_requests_seconds_count\\{"
                    + "method=\"POST\",route=\"/v1/customers/\\{customer\\}/spend\","
                    + "status=\"402\"} 1");
            assertThat(text).contains("http_server_requests_seconds_sum");
            assertThat(text).containsPattern("route=\"unmatched\",status=\"404\"");
            assertThat(text).containsPattern("credits_ledger_operations_total\\{"
                    + "operation=\"spend\",outcome=\"ok\"} 1");
            assertThat(text).containsPattern("credits_ledger_operations_total\\{"
                    + "operation=\"spend\",outcome=\"insufficient_credits\"} 1");
            assertThat(text).containsPattern("credits_ledger_operations_total\\{"
                    + "operation=\"grant\",outcome=\"ok\"} 1");
            assertThat(text).contains("credits_ledger_invariant_violations_total 0.0");
        }
    }
}
