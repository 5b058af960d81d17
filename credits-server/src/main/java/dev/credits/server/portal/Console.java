package dev.credits.server.portal;

import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.CustomerIds;
import dev.credits.GrantSource;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.HoldRecord;
import dev.credits.Transaction;
import dev.credits.WalletBalance;
import dev.credits.internal.Command;
import dev.credits.internal.WalletKey;
import dev.credits.server.ApiKeys;
import dev.credits.server.portal.PortalPages.Chrome;
import dev.credits.server.portal.PortalPages.ConsoleCustomer;
import dev.credits.server.portal.PortalPages.ConsoleHome;
import dev.credits.server.portal.PortalPages.Denied;
import dev.credits.server.portal.PortalPages.EventRow;
import dev.credits.server.portal.PortalPages.HoldRow;
import dev.credits.server.portal.PortalPages.NavItem;
import dev.credits.server.portal.PortalPages.Option;
import dev.credits.server.portal.PortalPages.SignIn;
import dev.credits.server.portal.PortalPages.TransactionRow;
import dev.credits.server.portal.PortalPages.WalletRow;
import dev.credits.webhooks.Event;
import dev.credits.webhooks.Webhooks;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console at {@code /admin} (docs/portal.md): sign in with an API key, find a
 * customer, see every wallet, grant, hold, transaction and event, and grant, adjust or void with
 * a reason. Each form carries a form key that becomes the command's idempotency key, so a double
 * submit writes once; each carries the session's form token. A read key may look, not write.
 */
public final class Console {
    public static final String COOKIE = "credits_console";
    public static final String PATH = "/admin";
    static final int SEARCH_LIMIT = 50;
    static final int LIST_LIMIT = 50;
    /** The longest text the sign-in form takes as a key (a key is 46 characters). */
    static final int KEY_LENGTH_MAX = 256;
    private static final String SESSION = "console.session";
    private static final String SCOPE = "console.scope";
    private static final String METADATA = "{\"via\":\"console\"}";
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);

    private final Credits credits;
    private final ApiKeys keys;
    private final PortalSessions sessions;
    private final Webhooks webhooks;
    private final SignInFailures failures = new SignInFailures();

    public Console(Credits credits, ApiKeys keys, PortalSessions sessions, Webhooks webhooks) {
        this.credits = credits;
        this.keys = keys;
        this.sessions = sessions;
        this.webhooks = webhooks;
    }

    /**
     * Before every console page but the sign-in: a live session whose key is still valid (a
     * revoked key signs its sessions out), and on a form its form token; else the sign-in page.
     */
    public void requireSession(Context ctx) {
        String path = ctx.path();
        if (path.equals(PATH + "/sign-in")) {
            return;
        }
        PortalSessions.Session session = sessions.fromCookie(ctx.cookie(COOKIE),
                PortalSessions.Kind.CONSOLE);
        ApiKeys.Scope scope = session == null ? null : keys.scopeOfHash(session.keyHash());
        if (scope == null) {
            if (ctx.method().name().equals("GET") && path.equals(PATH)) {
                renderSignIn(ctx, 200, null);
            } else {
                renderSignIn(ctx, 401, text(ctx).t("console.signin.required"));
            }
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(SESSION, session);
        ctx.attribute(SCOPE, scope);
        if (ctx.method().name().equals("POST")) {
            if (!sessions.isCsrfValid(session, ctx.formParam("csrf"))) {
                denied(ctx, 403, "denied.form.heading", "denied.form.message");
                ctx.skipRemainingHandlers();
            } else if (scope == ApiKeys.Scope.READ && !path.equals(PATH + "/sign-out")) {
                denied(ctx, 403, "console.readonly.heading", "console.readonly.message");
                ctx.skipRemainingHandlers();
            }
        }
    }

    private Text text(Context ctx) {
        return Text.of(Text.choose(null, ctx.header("Accept-Language")));
    }

    private Chrome chrome(Context ctx, String title) {
        Text t = text(ctx);
        PortalSessions.Session session = ctx.attribute(SESSION);
        List<NavItem> nav = session == null ? List.of()
                : List.of(new NavItem(PATH, t.t("console.nav.customers"), false));
        return new Chrome(t, title, nav, session == null ? "" : sessions.csrfToken(session), null,
                null, null, session == null ? null : PATH + "/sign-out");
    }

    private void renderSignIn(Context ctx, int status, String error) {
        Pages.render(ctx, status, "admin/signin.jte", new SignIn(chrome(ctx,
                text(ctx).t("console.signin.title")), error));
    }

    private void denied(Context ctx, int status, String headingKey, String messageKey) {
        Text t = text(ctx);
        Pages.render(ctx, status, "denied.jte", new Denied(chrome(ctx, t.t(headingKey)), status,
                t.t(headingKey), t.t(messageKey)));
    }

    /**
     * {@code POST /admin/sign-in} {@code key}: a console session for a valid key. The sign-in
     * form has no session yet, so no form token: it is a same-origin form only (the cookie is
     * SameSite=Strict and the check below refuses another site's Origin).
     */
    public void signIn(Context ctx) {
        if (!isSameSite(ctx)) {
            denied(ctx, 403, "denied.form.heading", "denied.form.message");
            return;
        }
        String client = ctx.ip();
        long waitSeconds = failures.retryAfterSeconds(client, System.nanoTime());
        if (waitSeconds > 0) {
            ctx.header("Retry-After", Long.toString(waitSeconds));
            renderSignIn(ctx, 429, text(ctx).t("console.signin.limited", waitSeconds));
            return;
        }
        String secret = ctx.formParam("key");
        if (secret == null || secret.isBlank() || secret.length() > KEY_LENGTH_MAX
                || keys.scopeOf(secret.trim()) == null) {
            if (failures.fail(client, System.nanoTime())) {
                LOG.warn("console sign-in from {}: {} failed keys in {} s; refusing it until then",
                        client, SignInFailures.FAILURES_MAX,
                        SignInFailures.WINDOW_NANOS / 1_000_000_000L);
            }
            renderSignIn(ctx, 401, text(ctx).t("console.signin.failed"));
            return;
        }
        String token = sessions.createConsole(ApiKeys.hashOf(secret.trim()));
        Pages.setCookie(ctx, COOKIE, token, PATH, PortalSessions.CONSOLE_LIFETIME.getSeconds());
        Pages.seeOther(ctx, PATH);
    }

    /**
     * True unless the browser says the form came from elsewhere. A browser's
     * {@code Sec-Fetch-Site} decides when it is sent: same-origin or none (typed in) pass.
     * Without it, an {@code Origin} must be this server's; {@code null} (a sandboxed frame, or
     * a page sent with no referrer, as ours are) does not pass. Clients that send neither
     * (curl) are let through: the key itself is what they prove.
     */
    static boolean isSameSite(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null) {
            return site.equals("same-origin") || site.equals("none");
        }
        String origin = ctx.header("Origin");
        String host = ctx.header("Host");
        return origin == null || host != null && (origin.equals("http://" + host)
                || origin.equals("https://" + host));
    }

    /** The console's page of a customer (ids may hold dots, so not as a path segment). */
    static String customerHref(String customer) {
        return PATH + "/customer?id=" + Portal.enc(customer);
    }

    /** {@code POST /admin/sign-out}: ends the session. */
    public void signOut(Context ctx) {
        PortalSessions.Session session = ctx.attribute(SESSION);
        sessions.end(session.id());
        Pages.clearCookie(ctx, COOKIE, PATH);
        Pages.seeOther(ctx, PATH);
    }

    /** {@code GET /admin[?q=prefix]}: find a customer. */
    public void home(Context ctx) {
        Text t = text(ctx);
        String q = ctx.queryParam("q");
        List<String> found = List.of();
        if (q != null) {
            q = q.trim();
            if (q.length() <= CustomerIds.LENGTH_MAX) {
                found = credits.customers(q, SEARCH_LIMIT);
            }
        }
        Pages.render(ctx, 200, "admin/home.jte", new ConsoleHome(chrome(ctx,
                t.t("console.home.title")), q == null ? "" : q, found));
    }

    /** {@code GET /admin/customer?id=C[&cursor=]}: everything of one customer. */
    public void customer(Context ctx) {
        String id = ctx.queryParam("id");
        renderCustomer(ctx, 200, id == null ? "" : id, noticeOf(ctx), null);
    }

    private String noticeOf(Context ctx) {
        String done = ctx.queryParam("done");
        return done != null && done.matches("granted|adjusted|voided")
                ? text(ctx).t("console.done." + done) : null;
    }

    private void renderCustomer(Context ctx, int status, String customer, String notice,
                                String error) {
        Text t = text(ctx);
        try {
            CustomerIds.requireValid(customer);
        } catch (CreditsException e) {
            denied(ctx, 404, "denied.missing.heading", "denied.missing.message");
            return;
        }
        List<WalletRow> wallets = new ArrayList<>();
        for (WalletBalance w : credits.wallets(customer)) {
            CreditType type = credits.creditTypes().require(w.creditType());
            wallets.add(new WalletRow(type.id(), (type.icon() == null ? "" : type.icon() + " ")
                    + type.name(),
                    t.amount(w.balance()), t.amount(w.held()), t.amount(w.available()),
                    w.overdraftLimit().isUnlimited() ? t.t("console.unlimited")
                            : t.amount(type.amount(w.overdraftLimit().units()))));
        }
        List<HoldRow> holds = new ArrayList<>();
        for (HoldRecord h : credits.holds(customer, LIST_LIMIT)) {
            holds.add(new HoldRow(h.id(), h.creditType(), t.amount(h.amount()),
                    t.amount(h.captured()), h.status().wireName(),
                    h.feature() == null ? "" : h.feature(), t.dateTime(h.expiresAt())));
        }
        String cursor = ctx.queryParam("cursor");
        HistoryPage page;
        try {
            History query = History.query().limit(LIST_LIMIT);
            page = credits.history(customer, cursor == null || cursor.isEmpty() ? query
                    : query.after(cursor));
        } catch (dev.credits.ValidationException e) {
            denied(ctx, 400, "denied.input.heading", "denied.input.message");
            return;
        }
        List<TransactionRow> transactions = new ArrayList<>();
        for (Transaction tx : page.data()) {
            transactions.add(new TransactionRow(tx.id(), t.dateTime(tx.effectiveAt()),
                    tx.creditType(), tx.type().wireName() + (tx.source() == null ? ""
                    : " · " + tx.source().wireName()), t.signed(tx.amount()),
                    t.amount(tx.balanceAfter()), (tx.feature() == null ? "" : tx.feature())
                    + (tx.reason() == null ? "" : (tx.feature() == null ? "" : " · ")
                    + tx.reason())));
        }
        List<EventRow> events = new ArrayList<>();
        for (Event e : webhooks.events(customer, null, LIST_LIMIT, null).data()) {
            events.add(new EventRow(e.id(), e.type(), t.dateTime(e.createdAt())));
        }
        List<Option> types = new ArrayList<>();
        for (CreditType ct : credits.creditTypes().all()) {
            types.add(new Option(ct.id(), ct.name(), false));
        }
        List<Option> sources = new ArrayList<>();
        for (GrantSource s : GrantSource.values()) {
            sources.add(new Option(s.wireName(), t.t("source." + s.wireName()),
                    s == GrantSource.PROMOTION));
        }
        ApiKeys.Scope scope = ctx.attribute(SCOPE);
        Pages.render(ctx, status, "admin/customer.jte", new ConsoleCustomer(chrome(ctx,
                t.t("console.customer.title", customer)), customer, wallets,
                Portal.grantRows(t, credits, credits.grants(customer, null, true)), holds,
                transactions, page.nextCursor() == null ? null : customerHref(customer)
                + "&cursor=" + Portal.enc(page.nextCursor()), events,
                types, sources, Pages.newFormKey(), notice, error,
                scope != ApiKeys.Scope.READ));
    }

    /** {@code POST /admin/grants} {@code customer, …}: a grant with a reason. */
    public void grant(Context ctx) {
        String customer = ctx.formParam("customer");
        write(ctx, customer, "granted", () -> {
            CreditType type = creditType(ctx);
            Amount amount = type.parsePositive(required(ctx, "amount"));
            GrantSource source = GrantSource.parse(required(ctx, "source"));
            String expires = ctx.formParam("expires_on");
            Instant expiresAt = expires == null || expires.isBlank() ? null
                    : parseDate(expires).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            credits.run(new Command.Grant(new WalletKey(customer, type.id()), amount.units(),
                    source, Command.PRIORITY_DEFAULT, null, expiresAt, required(ctx, "reason"),
                    METADATA, formKey(ctx, "grant")));
        });
    }

    /** {@code POST /admin/adjustments} {@code customer, …}: a signed correction with a reason. */
    public void adjust(Context ctx) {
        String customer = ctx.formParam("customer");
        write(ctx, customer, "adjusted", () -> {
            CreditType type = creditType(ctx);
            Amount amount = type.parse(required(ctx, "amount"));
            credits.run(new Command.Adjust(new WalletKey(customer, type.id()), amount.units(),
                    required(ctx, "reason"), METADATA, formKey(ctx, "adjust")));
        });
    }

    /** {@code POST /admin/grants/{id}/void} {@code customer, reason}: voids what remains. */
    public void voidGrant(Context ctx) {
        String customer = ctx.formParam("customer");
        String grantId = ctx.pathParam("id");
        write(ctx, customer, "voided", () -> {
            if (!credits.grant(grantId).customerId().equals(customer)) {
                throw new dev.credits.NotFoundException("grant " + grantId + " not found");
            }
            credits.voidGrant(grantId, required(ctx, "reason"), formKey(ctx, "void:" + grantId));
        });
    }

    private void write(Context ctx, String customer, String done, Runnable work) {
        try {
            CustomerIds.requireValid(customer);
        } catch (CreditsException e) {
            denied(ctx, 400, "denied.input.heading", "denied.input.message");
            return;
        }
        try {
            work.run();
        } catch (CreditsException | IllegalArgumentException e) {
            LOG.info("console {} for {} refused: {}", done, customer, e.getMessage());
            renderCustomer(ctx, 422, customer, null, e.getMessage());
            return;
        }
        Pages.seeOther(ctx, customerHref(customer) + "&done=" + done);
    }

    private CreditType creditType(Context ctx) {
        return credits.creditTypes().require(required(ctx, "credit_type"));
    }

    private static String required(Context ctx, String field) {
        String value = ctx.formParam(field);
        if (value == null || value.isBlank()) {
            throw new dev.credits.ValidationException(field, "is required");
        }
        return value.trim();
    }

    /**
     * The idempotency key of what a form writes: its form key (one per rendered page) and what
     * the form does, so that two forms of one page are two operations and a double submit of one
     * is one.
     */
    private static String formKey(Context ctx, String action) {
        String key = required(ctx, "form_key");
        if (!Pages.isFormKey(key)) {
            throw new dev.credits.ValidationException("form_key", "is not a form key");
        }
        return "console:" + action + ":" + key;
    }

    /** A date of years 0001–9999 (the ledger's times), as YYYY-MM-DD. */
    private static LocalDate parseDate(String text) {
        LocalDate date;
        try {
            date = LocalDate.parse(text.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new dev.credits.ValidationException("expires_on", "must be a date, YYYY-MM-DD");
        }
        if (date.getYear() < 1 || date.getYear() >= 9999) {
            throw new dev.credits.ValidationException("expires_on", "must be in years 0001-9998");
        }
        return date;
    }
}
