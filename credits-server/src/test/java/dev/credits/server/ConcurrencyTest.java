package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    static final int SPENDS = 200;
    static final int CLIENT_THREADS = 64;

    @Test
    void parallelSpends_neverOverspend() throws Exception {
        try (TestServer t = TestServer.start()) {
            t.grant("busy", "100.00");
            ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < SPENDS; i++) {
                statuses.add(pool.submit(() -> t.spend("busy", "1.00", Map.of()).status()));
            }
            int created = 0;
            int refused = 0;
            for (Future<Integer> status : statuses) {
                int code = status.get();
                created += code == 201 ? 1 : 0;
                refused += code == 402 ? 1 : 0;
            }
            pool.shutdown();
            assertThat(created).isEqualTo(100);
            assertThat(refused).isEqualTo(100);
            assertThat(t.balance("busy")).isEqualTo("0.00");
            assertThat(t.credits.verify().violations()).isEmpty();
        }
    }
}
