package dev.credits.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credits.Credits;
import dev.credits.Money;
import dev.credits.RevenueReport;
import dev.credits.ValidationException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code credits report revenue}: the deferred-revenue roll-forward (docs/revenue.md). */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Reports over the ledger.",
        subcommands = ReportCommand.Revenue.class)
final class ReportCommand implements Runnable {
    /** The most months {@code --by month} prints (100 years). */
    static final int MONTHS_MAX = 1_200;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "name a report: revenue");
    }

    @Command(name = "revenue", mixinStandardHelpOptions = true,
            description = "Deferred revenue over a period, per currency: opening deferred,"
                    + " purchased, recognized, breakage, refunded, closing deferred.")
    static final class Revenue extends LedgerCommand {
        enum Format { table, csv, json }

        enum By { period, month }

        @Option(names = "--from", required = true, paramLabel = "TIME",
                description = "The period's start, ISO-8601 UTC (included).")
        Instant from;

        @Option(names = "--to", required = true, paramLabel = "TIME",
                description = "The period's end, ISO-8601 UTC (excluded).")
        Instant to;

        @Option(names = "--currency", paramLabel = "CODE",
                description = "Only this currency, e.g. usd (default: every one recorded).")
        String currency;

        @Option(names = "--customer", paramLabel = "CUSTOMER", description = "Only this one.")
        String customer;

        @Option(names = "--type", paramLabel = "CREDIT_TYPE", description = "Only this one.")
        String creditType;

        @Option(names = "--format", paramLabel = "table|csv|json", defaultValue = "table",
                description = "table, csv or json (default: ${DEFAULT-VALUE}).")
        Format format;

        @Option(names = "--by", paramLabel = "period|month", defaultValue = "period",
                description = "One row for the period, or one per calendar month (UTC).")
        By by;

        @Override
        int run(Credits credits) {
            if (!to.isAfter(from)) {
                throw new ValidationException("--to", "must be after --from");
            }
            List<String> currencies = currency != null ? List.of(currency.toLowerCase(
                    java.util.Locale.ROOT)) : recordedCurrencies();
            if (by == By.month) {
                months(from, to); // refuses a period of more than MONTHS_MAX months
            }
            List<RevenueReport> rows = new ArrayList<>();
            for (String code : currencies) {
                if (by == By.month) {
                    rows.addAll(credits.revenueByMonth(from, to, code, customer, creditType));
                } else {
                    rows.add(credits.revenue(from, to, code, customer, creditType));
                }
            }
            print(out(), rows);
            return Main.EXIT_OK;
        }

        /** Calendar months (UTC) covering {@code [from, to)}, cut at both ends. */
        static List<Instant[]> months(Instant from, Instant to) {
            List<Instant[]> out = new ArrayList<>();
            Instant start = from;
            while (start.isBefore(to)) {
                ZonedDateTime month = start.atZone(ZoneOffset.UTC).withDayOfMonth(1)
                        .toLocalDate().atStartOfDay(ZoneOffset.UTC).plusMonths(1);
                Instant end = month.toInstant().isBefore(to) ? month.toInstant() : to;
                out.add(new Instant[] {start, end});
                if (out.size() > MONTHS_MAX) {
                    throw new ValidationException("--by", "covers more than " + MONTHS_MAX
                            + " months; choose a shorter period");
                }
                start = end;
            }
            return out;
        }

        private List<String> recordedCurrencies() {
            try (Connection c = ledgerDatabase().dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("select distinct cost_currency"
                         + " from grants where cost_currency is not null"
                         + (customer == null ? "" : " and customer_id = ?")
                         + (creditType == null ? "" : " and credit_type = ?")
                         + " order by 1")) {
                int index = 1;
                if (customer != null) {
                    ps.setString(index++, customer);
                }
                if (creditType != null) {
                    ps.setString(index, creditType);
                }
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the recorded currencies", e);
            }
        }

        private void print(PrintWriter out, List<RevenueReport> rows) {
            String[] header = {"from", "to", "currency", "opening_deferred", "purchased",
                    "recognized", "breakage", "refunded", "closing_deferred"};
            List<String[]> cells = new ArrayList<>();
            for (RevenueReport r : rows) {
                cells.add(new String[] {r.from().toString(), r.to().toString(), r.currency(),
                        text(r.openingDeferred()), text(r.purchased()), text(r.recognized()),
                        text(r.breakage()), text(r.refunded()), text(r.closingDeferred())});
            }
            switch (format) {
                case csv -> {
                    out.println(String.join(",", header));
                    cells.forEach(row -> out.println(String.join(",", row)));
                }
                case json -> {
                    List<Map<String, String>> list = new ArrayList<>();
                    for (String[] row : cells) {
                        Map<String, String> m = new LinkedHashMap<>();
                        for (int i = 0; i < header.length; i++) {
                            m.put(header[i], row[i]);
                        }
                        list.add(m);
                    }
                    try {
                        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter()
                                .writeValueAsString(list));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }
                default -> {
                    int[] width = new int[header.length];
                    for (int i = 0; i < header.length; i++) {
                        width[i] = header[i].length();
                        for (String[] row : cells) {
                            width[i] = Math.max(width[i], row[i].length());
                        }
                    }
                    out.println(line(header, width));
                    cells.forEach(row -> out.println(line(row, width)));
                    if (cells.isEmpty()) {
                        out.println("(no revenue recorded in this period)");
                    }
                }
            }
            out.flush();
        }

        private static String line(String[] row, int[] width) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String cell = row[i];
                // Text left, money right.
                b.append(i < 3 ? String.format("%-" + width[i] + "s", cell)
                        : String.format("%" + width[i] + "s", cell));
                b.append(i == row.length - 1 ? "" : "  ");
            }
            return b.toString().stripTrailing();
        }

        private static String text(Money m) {
            return m.toString();
        }
    }
}
