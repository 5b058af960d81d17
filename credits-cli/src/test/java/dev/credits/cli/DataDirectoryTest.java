package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One {@code serve} owns its data directory, and stops when its database is gone. */
class DataDirectoryTest {
    static final long EXIT_TIMEOUT_SECONDS = 90;

    @TempDir
    Path data;

    @Test
    void aSecondServe_onTheSameDataDirectory_isRefused_andTheFirstKeepsServing()
            throws Exception {
        try (ServerProcess first = ServerProcess.start("--data", data.toString())) {
            first.awaitReady();
            ServerProcess second = ServerProcess.start("--data", data.toString());
            assertThat(second.awaitExit(EXIT_TIMEOUT_SECONDS)).as(second.output())
                    .isEqualTo(Main.EXIT_FAILURE);
            assertThat(second.output()).contains("is already served by another credits serve")
                    .contains("pid");
            assertThat(first.get("/health").status()).isEqualTo(200);
            assertThat(first.post("/v1/customers/c1/grants", "{\"credit_type\": \"credits\","
                    + " \"amount\": \"1.00\", \"source\": \"purchase\"}").status()).isEqualTo(201);
        }
    }

    @Test
    void whenItsEmbeddedPostgresDies_serveStopsWithExitCode3_andARestartRecovers()
            throws Exception {
        try (ServerProcess server = ServerProcess.start("--data", data.toString())) {
            server.awaitReady();
            assertThat(server.post("/v1/customers/c1/grants", "{\"credit_type\": \"credits\","
                    + " \"amount\": \"1.00\", \"source\": \"purchase\"}").status()).isEqualTo(201);
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0)
                    .trim());
            ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
            postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
            postmaster.destroyForcibly();
            assertThat(server.awaitExit(EXIT_TIMEOUT_SECONDS)).as(server.output())
                    .isEqualTo(Main.EXIT_DATABASE_LOST);
            assertThat(server.output()).contains("the embedded PostgreSQL (pid " + pid
                    + ") has exited");
        }
        try (ServerProcess restarted = ServerProcess.start("--data", data.toString())) {
            restarted.awaitReady();
            assertThat(restarted.get("/v1/customers/c1/wallets/credits").body().get("balance")
                    .asText()).isEqualTo("1.00");
        }
    }
}
