package dev.credits.server.portal;

import java.util.List;

/**
 * What each page of the portal and the console shows, already in words and figures of the
 * page's language: the templates ({@code src/main/jte}) lay it out and escape it, nothing more.
 */
public final class PortalPages {
    /** The longest reason a console form takes: the ledger's own text limit. */
    public static final int REASON_LENGTH_MAX = dev.credits.internal.Command.TEXT_LENGTH_MAX;
    private PortalPages() {
    }

    /** A link of the navigation; {@code current} marks the page it is on. */
    public record NavItem(String href, String label, boolean current) {
    }

    /**
     * What every page has: its language, title, navigation and the form token; the locale form
     * (when {@code localeAction} is not null) sends the browser back to {@code back}.
     */
    public record Chrome(Text text, String title, List<NavItem> nav, String csrf,
                         String localeAction, String back, String returnUrl,
                         String signOutAction) {
        public String t(String key, Object... args) {
            return text.t(key, args);
        }

        public String lang() {
            return text.language();
        }
    }

    /** A credit type's card on the overview. */
    public record Card(String name, String icon, String balance, String held, String available,
                       String expiringSoon, String runway, boolean negative) {
    }

    public record Overview(Chrome chrome, String customerId, List<Card> cards, String notice) {
    }

    /** A grant that paid part of a spend, as the history names it. */
    public record PaidBy(String grant, String amount) {
    }

    /** One row of the history; {@code count} above 1 for a day's merged usage. */
    public record HistoryRow(String when, String kind, String detail, String amount,
                             String balanceAfter, boolean out, List<PaidBy> paidBy) {
    }

    /** The history's rows of one UTC day. */
    public record HistoryDay(String date, List<HistoryRow> rows) {
    }

    /** A choice of a filter: its value, label and whether it is chosen. */
    public record Option(String value, String label, boolean selected) {
    }

    public record History(Chrome chrome, List<HistoryDay> days, List<Option> creditTypes,
                          List<Option> groupings, String nextHref, String firstHref) {
    }

    /** A row of the usage table: the chart's data, readable without the chart. */
    public record UsageRow(String date, String creditType, String feature, String amount,
                           long count) {
    }

    public record Usage(Chrome chrome, List<Option> spans, String chartJson, List<UsageRow> rows,
                        String total) {
    }

    public record GrantRow(String id, String creditType, String source, String amount,
                           String remaining, String status, String created, String expires) {
    }

    public record Grants(Chrome chrome, List<GrantRow> grants) {
    }

    /** A pack for sale and the form that buys it. */
    public record PackRow(String id, String name, String price, List<String> provides) {
    }

    public record Buy(Chrome chrome, List<PackRow> packs, String formKey, boolean demo,
                      String notice) {
    }

    public record SubscriptionRow(String plan, String status, String renews, List<String> allowance,
                                  String rollover, String cancelAt) {
    }

    public record Subscriptions(Chrome chrome, List<SubscriptionRow> subscriptions) {
    }

    /** A page that shows no data: a refused link, a refused form, a missing page. */
    public record Denied(Chrome chrome, int status, String heading, String message) {
    }

    // ---- the console

    public record SignIn(Chrome chrome, String error) {
    }

    public record ConsoleHome(Chrome chrome, String query, List<String> customers) {
    }

    public record WalletRow(String creditType, String name, String balance, String held,
                            String available, String overdraftLimit) {
    }

    public record HoldRow(String id, String creditType, String amount, String captured,
                          String status, String feature, String expires) {
    }

    public record EventRow(String id, String type, String created) {
    }

    public record TransactionRow(String id, String when, String creditType, String type,
                                 String amount, String balanceAfter, String detail) {
    }

    public record ConsoleCustomer(Chrome chrome, String customerId, List<WalletRow> wallets,
                                  List<GrantRow> grants, List<HoldRow> holds,
                                  List<TransactionRow> transactions, String nextHref,
                                  List<EventRow> events, List<Option> creditTypes,
                                  List<Option> sources, String formKey, String notice,
                                  String error, boolean canWrite) {
    }
}
