package dev.credits.server.portal;

import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.Credits;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.ValidationException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The portal's daily history: usage merged per UTC day, credit type and feature (with the grants
 * that paid it summed per grant), other entries one row each, newest first. It is grouped here
 * from the entries of the page's own days rather than by the store's {@code group=daily}, which
 * sums the customer's whole history for every page.
 *
 * <p>A page ends where a day ends, once it has {@value #ROWS} rows or {@value #DAYS} days; a day
 * is split only past {@value #ENTRIES_MAX} entries. Its cursor is the store's cursor of the read
 * it stopped in and the entries of that read already shown: {@code <skip>~<store cursor>}.
 */
final class DailyHistory {
    static final int ROWS = 25;
    static final int DAYS = 7;
    /** Entries read from the store at a time. */
    static final int READ = 200;
    /** The most entries one page sums. */
    static final int ENTRIES_MAX = 5_000;
    private static final String SEPARATOR = "~";

    /** A page: its rows and the cursor of the next one (null: the last). */
    record Page(List<Transaction> rows, String nextCursor) {
    }

    /** The limits of a page; {@link #DEFAULTS} but in tests. */
    record Limits(int rows, int days, int read, int entriesMax) {
        static final Limits DEFAULTS = new Limits(ROWS, DAYS, READ, ENTRIES_MAX);
    }

    private DailyHistory() {
    }

    /**
     * The page of {@code customer}'s history (of {@code creditType}, null: every type) that starts
     * at {@code cursor} (null: the newest). Throws {@link ValidationException} for a cursor that
     * is not one of this view's.
     */
    static Page read(Credits credits, String customer, String creditType, String cursor,
                     Limits limits) {
        String from = null;
        int skip = 0;
        if (cursor != null && !cursor.isEmpty()) {
            int at = cursor.indexOf(SEPARATOR);
            try {
                skip = at < 1 ? -1 : Integer.parseInt(cursor.substring(0, at));
            } catch (NumberFormatException e) {
                skip = -1;
            }
            if (skip < 0 || skip > limits.read()) {
                throw new ValidationException("cursor", "is not a cursor of this history");
            }
            from = cursor.substring(at + 1);
            from = from.isEmpty() ? null : from;
        }
        History query = History.query().limit(limits.read());
        if (creditType != null) {
            query = query.creditType(creditType);
        }
        Groups groups = new Groups();
        LocalDate lastDay = null;
        while (true) {
            HistoryPage page = credits.history(customer, from == null ? query : query.after(from));
            List<Transaction> data = page.data();
            for (int i = skip; i < data.size(); i++) {
                Transaction tx = data.get(i);
                LocalDate day = day(tx);
                boolean full = groups.size() >= limits.rows() || groups.days() >= limits.days();
                if ((full && !day.equals(lastDay)) || groups.entries() >= limits.entriesMax()) {
                    return new Page(groups.rows(), i + SEPARATOR + (from == null ? "" : from));
                }
                groups.add(tx, day);
                lastDay = day;
            }
            if (page.nextCursor() == null) {
                return new Page(groups.rows(), null);
            }
            from = page.nextCursor();
            skip = 0;
        }
    }

    static LocalDate day(Transaction tx) {
        return tx.effectiveAt().atZone(ZoneOffset.UTC).toLocalDate();
    }

    /** The rows of a page as its entries arrive, newest first. */
    private static final class Groups {
        private final Map<String, Group> byKey = new LinkedHashMap<>();
        private final Set<LocalDate> days = new HashSet<>();
        private int entries;

        void add(Transaction tx, LocalDate day) {
            entries++;
            days.add(day);
            String key = tx.type() == TransactionType.USAGE
                    ? day + "|" + tx.creditType() + "|" + tx.feature() : tx.id();
            Group group = byKey.get(key);
            if (group == null) {
                byKey.put(key, new Group(tx, day));
            } else {
                group.add(tx);
            }
        }

        int size() {
            return byKey.size();
        }

        int days() {
            return days.size();
        }

        int entries() {
            return entries;
        }

        List<Transaction> rows() {
            List<Transaction> out = new ArrayList<>();
            for (Group g : byKey.values()) {
                out.add(g.row());
            }
            return out;
        }
    }

    /** One row: an entry, or a day's usage of one feature with what each grant paid. */
    private static final class Group {
        private final Transaction first;
        private final LocalDate day;
        private Amount amount;
        private int count = 1;
        /** Grant id (null: the overdraft) → what it paid. */
        private final Map<String, Amount> paid = new LinkedHashMap<>();

        Group(Transaction tx, LocalDate day) {
            this.first = tx;
            this.day = day;
            this.amount = tx.amount();
            addAllocations(tx);
        }

        void add(Transaction tx) {
            amount = amount.plus(tx.amount());
            count++;
            addAllocations(tx);
        }

        private void addAllocations(Transaction tx) {
            if (tx.allocations() != null) {
                for (Allocation a : tx.allocations()) {
                    paid.merge(a.grantId(), a.amount(), Amount::plus);
                }
            }
        }

        Transaction row() {
            if (first.type() != TransactionType.USAGE) {
                return first;
            }
            List<Allocation> allocations = new ArrayList<>();
            paid.forEach((grant, a) -> allocations.add(new Allocation(grant, a)));
            return new Transaction(null, first.customerId(), first.creditType(), first.type(),
                    null, null, null, amount, null, first.feature(), null, Map.of(),
                    first.createdAt(), first.effectiveAt(), allocations, count, day);
        }
    }
}
