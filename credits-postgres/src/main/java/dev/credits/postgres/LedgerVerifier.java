package dev.credits.postgres;

import dev.credits.VerifyReport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Checks every invariant of the ledger in one repeatable-read snapshot and reports each
 * violation by name and place. Read-only.
 */
final class LedgerVerifier {
    static final int VIOLATIONS_PER_CHECK_MAX = 100;

    private record Check(String name, String sql) {
    }

    private static final List<Check> CHECKS = List.of(
            new Check("wallet balance differs from the sum of its postings",
                    "select w.customer_id || '/' || w.credit_type || ': balance ' || w.balance"
                    + " || ', postings ' || coalesce(p.total, 0) from wallets w left join"
                    + " (select customer_id, credit_type, sum(amount) as total from postings"
                    + " where account = 'wallet' group by 1, 2) p using (customer_id, credit_type)"
                    + " where w.balance <> coalesce(p.total, 0)"),
            new Check("postings of a credit type do not sum to zero",
                    "select credit_type || ': ' || sum(amount) from postings group by credit_type"
                    + " having sum(amount) <> 0"),
            new Check("transaction is not one balanced pair of postings",
                    "select customer_id || '/' || transaction_id || ': ' || count(*)"
                    + " || ' postings summing to ' || sum(amount) from postings"
                    + " group by customer_id, transaction_id having sum(amount) <> 0"
                    + " or count(*) <> 2"),
            new Check("transaction amount differs from its wallet posting",
                    "select t.customer_id || '/' || t.id || ': amount ' || t.amount || ', posting '"
                    + " || coalesce(p.amount::text, 'missing') from transactions t left join"
                    + " postings p on p.customer_id = t.customer_id and p.transaction_id = t.id"
                    + " and p.account = 'wallet' where p.amount is distinct from t.amount"),
            new Check("active grants' remaining minus debt differs from the balance",
                    "select w.customer_id || '/' || w.credit_type || ': remaining '"
                    + " || coalesce(g.total, 0) || ' - debt ' || w.debt || ' <> balance '"
                    + " || w.balance from wallets w left join (select customer_id, credit_type,"
                    + " sum(remaining) as total from grants where status = 'active' group by 1, 2)"
                    + " g using (customer_id, credit_type)"
                    + " where coalesce(g.total, 0) - w.debt <> w.balance"),
            new Check("a grant's cost basis and the shares recorded of it differ",
                    // Purchased once, its whole cost; what was consumed of it is exactly
                    // floor(cost x consumed / amount), so all of it once nothing remains.
                    "select g.customer_id || '/' || g.id || ': cost ' || g.cost_basis"
                    + " || ', purchased ' || coalesce(r.purchased, 0) || ', consumed '"
                    + " || coalesce(r.consumed, 0) || ' of ' || div(g.cost_basis::numeric"
                    + " * (g.amount - g.remaining), g.amount)"
                    + " from grants g left join (select customer_id, grant_id,"
                    + " sum(amount) filter (where kind = 'purchased') as purchased,"
                    + " sum(amount) filter (where kind <> 'purchased') as consumed"
                    + " from revenue_entries group by 1, 2) r"
                    + " on r.customer_id = g.customer_id and r.grant_id = g.id"
                    + " where g.cost_basis is not null and (coalesce(r.purchased, 0)"
                    + " <> g.cost_basis or coalesce(r.consumed, 0) <> div(g.cost_basis::numeric"
                    + " * (g.amount - g.remaining), g.amount))"),
            new Check("grant remaining outside 0..amount",
                    "select customer_id || '/' || id || ': remaining ' || remaining || ' of '"
                    + " || amount from grants where remaining < 0 or remaining > amount"),
            new Check("grant that is not active still has credits",
                    "select customer_id || '/' || id || ': ' || status || ' with remaining '"
                    + " || remaining from grants where status not in ('active', 'scheduled')"
                    + " and remaining <> 0"),
            new Check("scheduled grant already counted",
                    "select g.customer_id || '/' || g.id || ': remaining ' || g.remaining"
                    + " || ' of ' || g.amount || (case when t.id is null then ''"
                    + " else ', entry ' || t.id end) from grants g left join transactions t"
                    + " on t.customer_id = g.customer_id and t.id = g.transaction_id"
                    + " where g.status = 'scheduled' and (g.remaining <> g.amount"
                    + " or t.id is not null)"),
            new Check("held differs from what the active holds reserve",
                    "select w.customer_id || '/' || w.credit_type || ': held ' || w.held"
                    + " || ', active holds ' || coalesce(h.total, 0) from wallets w left join"
                    + " (select customer_id, credit_type, sum(amount) as total from holds"
                    + " where status = 'held' group by 1, 2) h using (customer_id, credit_type)"
                    + " where w.held <> coalesce(h.total, 0)"),
            new Check("negative debt or held",
                    "select customer_id || '/' || credit_type from wallets"
                    + " where debt < 0 or held < 0"));

    private final DataSource dataSource;

    LedgerVerifier(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    VerifyReport verify() {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try (Statement st = c.createStatement()) {
                List<String> violations = new ArrayList<>();
                for (Check check : CHECKS) {
                    try (ResultSet rs = st.executeQuery(check.sql() + " limit "
                            + VIOLATIONS_PER_CHECK_MAX)) {
                        while (rs.next()) {
                            violations.add(check.name() + ": " + rs.getString(1));
                        }
                    }
                }
                long wallets = count(st, "select count(*) from wallets");
                long transactions = count(st, "select count(*) from transactions");
                c.rollback();
                c.setReadOnly(false);
                return new VerifyReport(wallets, transactions, List.copyOf(violations));
            }
        } catch (SQLException e) {
            throw PostgresLedgerStore.translate(e);
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
