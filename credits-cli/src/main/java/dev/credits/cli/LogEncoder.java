package dev.credits.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * One log line per event, as text for people or as one JSON object per line for log shippers
 * ({@code --log-format json}). Both carry the logging context: {@code request_id} names the HTTP
 * request a line was logged in, so every line of a request can be found from its
 * {@code X-Request-Id}.
 *
 * <p>Text: {@code 2026-12-02T16:50:00.123Z INFO  Problems [req_4f…] unexpected error on …}.
 * JSON: {@code {"time":"…","level":"ERROR","logger":"dev.credits.server.Problems",
 * "thread":"…","message":"…","request_id":"req_4f…","error":"java.lang.…\n\tat …"}}.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {
    /** How lines are written; switched at run time by {@code serve --log-format}. */
    public enum Format {
        TEXT, JSON;

        static Format parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the log format is text or json, was '"
                        + value + "'", e);
            }
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();
    private static final int LEVEL_WIDTH = 5;

    private volatile Format format = Format.TEXT;

    /**
     * From the configuration file: {@code <format>${CREDITS_LOG_FORMAT:-text}</format>}. A value
     * that is neither keeps text here; {@code serve} refuses it before it starts.
     */
    public void setFormat(String format) {
        try {
            this.format = Format.parse(format);
        } catch (IllegalArgumentException e) {
            this.format = Format.TEXT;
        }
    }

    /**
     * Writes every line of this process in {@code format} from now on: the encoders of every
     * appender that has one are switched (those logback.xml configured).
     */
    static void useEverywhere(Format format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another logging backend: it is configured its own way
        }
        for (Logger logger : context.getLoggerList()) {
            logger.iteratorForAppenders().forEachRemaining(appender -> {
                if (appender instanceof OutputStreamAppender<?> stream
                        && stream.getEncoder() instanceof LogEncoder encoder) {
                    encoder.format = format;
                }
            });
        }
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return (format == Format.JSON ? json(event) : text(event))
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        line.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ');
        String level = event.getLevel().toString();
        line.append(level).append(" ".repeat(Math.max(1, LEVEL_WIDTH + 1 - level.length())));
        String logger = event.getLoggerName();
        line.append(logger, logger.lastIndexOf('.') + 1, logger.length());
        for (Map.Entry<String, String> entry : context(event).entrySet()) {
            line.append(" [").append(entry.getValue()).append(']');
        }
        line.append(" - ").append(event.getFormattedMessage()).append('\n');
        IThrowableProxy error = event.getThrowableProxy();
        if (error != null) {
            line.append(stackTrace(error)).append('\n');
        }
        return line.toString();
    }

    private static String json(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            for (Map.Entry<String, String> entry : context(event).entrySet()) {
                json.writeStringField(entry.getKey(), entry.getValue());
            }
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                json.writeStringField("error", stackTrace(error));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toString(StandardCharsets.UTF_8) + "\n";
    }

    private static String stackTrace(IThrowableProxy error) {
        return ThrowableProxyUtil.asString(error).stripTrailing();
    }

    /** The logging context (MDC) in a stable order; empty outside a request. */
    private static Map<String, String> context(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        return mdc == null || mdc.isEmpty() ? Map.of() : new TreeMap<>(mdc);
    }
}
