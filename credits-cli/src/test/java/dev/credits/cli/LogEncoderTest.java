package dev.credits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The log line encoder: text and JSON, the request id, and the switch serve makes. */
class LogEncoderTest {
    static final ObjectMapper JSON = new ObjectMapper();

    private static LoggingEvent event(Throwable error) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger logger = context.getLogger("dev.credits.server.Problems");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR,
                "unexpected error on {} {}", error, new Object[] {"POST", "/v1/holds/{id}"});
        event.setMDCPropertyMap(Map.of("request_id", "req_abc"));
        event.setTimeStamp(1_764_000_000_123L);
        return event;
    }

    @Test
    void json_isOneObjectPerLine_withTheRequestIdAndTheStackTrace() throws Exception {
        LogEncoder encoder = new LogEncoder();
        encoder.setFormat("json");
        String line = new String(encoder.encode(event(new IllegalStateException("boom"))),
                StandardCharsets.UTF_8);
        assertThat(line).endsWith("}\n").doesNotContain("\n{");
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.get("time").asText()).isEqualTo("2025-11-24T16:00:00.123Z");
        assertThat(json.get("level").asText()).isEqualTo("ERROR");
        assertThat(json.get("logger").asText()).isEqualTo("dev.credits.server.Problems");
        assertThat(json.get("message").asText())
                .isEqualTo("unexpected error on POST /v1/holds/{id}");
        assertThat(json.get("request_id").asText()).isEqualTo("req_abc");
        assertThat(json.get("error").asText()).startsWith("java.lang.IllegalStateException: boom")
                .doesNotEndWith("\n");
    }

    @Test
    void text_namesTheRequest_andEndsTheStackTraceWithoutABlankLine() {
        LogEncoder encoder = new LogEncoder();
        String text = new String(encoder.encode(event(new IllegalStateException("boom"))),
                StandardCharsets.UTF_8);
        assertThat(text).startsWith("2025-11-24T16:00:00.123Z ERROR Problems [req_abc] -"
                + " unexpected error on POST /v1/holds/{id}\njava.lang.IllegalStateException")
                .endsWith(")\n").doesNotContain("\n\n");
        encoder.setFormat("yaml");
        assertThat(new String(encoder.encode(event(null)), StandardCharsets.UTF_8))
                .as("an unknown format stays text").startsWith("2025-11-24T");
    }

    @Test
    void useEverywhere_switchesTheShippedConfigurationsAppender() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        OutputStreamAppender<?> stderr = (OutputStreamAppender<?>) context
                .getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        assertThat(stderr).as("logback.xml's appender").isNotNull();
        LogEncoder encoder = (LogEncoder) stderr.getEncoder();
        try {
            LogEncoder.useEverywhere(LogEncoder.Format.JSON);
            assertThat(new String(encoder.encode(event(null)), StandardCharsets.UTF_8))
                    .startsWith("{\"time\":");
        } finally {
            LogEncoder.useEverywhere(LogEncoder.Format.TEXT);
        }
        assertThat(new String(encoder.encode(event(null)), StandardCharsets.UTF_8))
                .startsWith("2025-11-24T");
    }
}
