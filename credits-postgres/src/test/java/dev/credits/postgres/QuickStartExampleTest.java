package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example runs as pasted and prints the balance it promises. */
class QuickStartExampleTest {
    @TempDir
    Path data;

    @Test
    void quickStart_runsAndPrintsTheBalance() throws Exception {
        Path example = Path.of("..", "examples", "QuickStart.java");
        assertThat(example).exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                example.toString(), data.toString()).redirectErrorStream(true).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("available while held: 85.00")
                .contains("refused: balance 86.80, required 1000.00")
                .contains("balance: 86.80");
        assertThat(Files.exists(data.resolve("PG_VERSION"))).isTrue();
    }
}
