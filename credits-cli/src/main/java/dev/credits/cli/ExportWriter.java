package dev.credits.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Writer;

/** Writes exported rows in one format. Does not close the underlying writer. */
interface ExportWriter {
    void begin() throws IOException;

    void write(ExportRow row) throws IOException;

    void finish() throws IOException;

    static ExportWriter of(ExportCommand.Format format, Writer out) throws IOException {
        return switch (format) {
            case csv -> new Csv(out);
            case jsonl -> new JsonLines(out);
        };
    }

    /** RFC 4180: a header line, CRLF-free fields quoted when they hold a comma, quote or break. */
    final class Csv implements ExportWriter {
        private final Writer out;

        Csv(Writer out) {
            this.out = out;
        }

        @Override
        public void begin() throws IOException {
            out.write(String.join(",", ExportRow.COLUMNS));
            out.write('\n');
        }

        @Override
        public void write(ExportRow row) throws IOException {
            Object[] cells = {row.id(), row.customerId(), row.creditType(), row.type(),
                row.source(), row.grantId(), row.holdId(), row.amount(), row.balanceAfter(),
                row.feature(), row.reason(), row.metadataJson(), row.createdAt(),
                row.effectiveAt()};
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(quote(cells[i] == null ? "" : cells[i].toString()));
            }
            out.write('\n');
        }

        static String quote(String text) {
            boolean plain = text.chars().noneMatch(ch -> ch == ',' || ch == '"' || ch == '\n'
                    || ch == '\r');
            return plain ? text : '"' + text.replace("\"", "\"\"") + '"';
        }

        @Override
        public void finish() throws IOException {
            out.flush();
        }
    }

    /** One JSON object per line; amounts are decimal strings, as in the HTTP API. */
    final class JsonLines implements ExportWriter {
        private final Writer out;
        private final JsonGenerator json;

        JsonLines(Writer out) throws IOException {
            this.out = out;
            this.json = new JsonFactory().createGenerator(out)
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .setRootValueSeparator(null); // the line break is the separator
        }

        @Override
        public void begin() {
            // JSON Lines has no header.
        }

        @Override
        public void write(ExportRow row) throws IOException {
            json.writeStartObject();
            json.writeStringField("id", row.id());
            json.writeStringField("customer_id", row.customerId());
            json.writeStringField("credit_type", row.creditType());
            json.writeStringField("type", row.type());
            json.writeStringField("source", row.source());
            json.writeStringField("grant_id", row.grantId());
            json.writeStringField("hold_id", row.holdId());
            json.writeStringField("amount", row.amount().toString());
            json.writeStringField("balance_after", row.balanceAfter().toString());
            json.writeStringField("feature", row.feature());
            json.writeStringField("reason", row.reason());
            json.writeFieldName("metadata");
            json.writeRawValue(row.metadataJson());
            json.writeStringField("created_at", row.createdAt().toString());
            json.writeStringField("effective_at", row.effectiveAt().toString());
            json.writeEndObject();
            json.writeRaw('\n');
        }

        @Override
        public void finish() throws IOException {
            json.flush();
            out.flush();
        }
    }
}
