package dev.credits.server.portal;

import dev.credits.Allocation;
import dev.credits.Amount;
import dev.credits.CreditType;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.GrantRecord;
import dev.credits.GrantStatus;
import dev.credits.History;
import dev.credits.HistoryPage;
import dev.credits.NotFoundException;
import dev.credits.Transaction;
import dev.credits.TransactionType;
import dev.credits.UsageDay;
import dev.credits.WalletBalance;
import dev.credits.payments.Payments;
import dev.credits.plans.Plan;
import dev.credits.plans.Plans;
import dev.credits.plans.Product;
import dev.credits.plans.Provision;
import dev.credits.plans.Subscription;
import dev.credits.server.portal.PortalPages.Buy;
import dev.credits.server.portal.PortalPages.Card;
import dev.credits.server.portal.PortalPages.Chrome;
import dev.credits.server.portal.PortalPages.Denied;
import dev.credits.server.portal.PortalPages.GrantRow;
import dev.credits.server.portal.PortalPages.Grants;
import dev.credits.server.portal.PortalPages.HistoryDay;
import dev.credits.server.portal.PortalPages.HistoryRow;
import dev.credits.server.portal.PortalPages.NavItem;
import dev.credits.server.portal.PortalPages.Option;
import dev.credits.server.portal.PortalPages.Overview;
import dev.credits.server.portal.PortalPages.PackRow;
import dev.credits.server.portal.PortalPages.PaidBy;
import dev.credits.server.portal.PortalPages.SubscriptionRow;
import dev.credits.server.portal.PortalPages.Subscriptions;
import dev.credits.server.portal.PortalPages.Usage;
import dev.credits.server.portal.PortalPages.UsageRow;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The customer portal (docs/portal.md): pages that show one customer, the customer of the
 * session, whatever the request names. A link ({@code /portal/s/<token>}) renders the overview
 * itself and sets the session cookie, so that it works when opened from another site (a browser
 * sends no SameSite=Strict cookie on that first navigation); every later page reads the cookie,
 * and every form posts the session's form token.
 */
public final class Portal {
    public static final String COOKIE = "credits_portal";
    public static final String PATH = "/portal";
    /** The runway and the overview's usage look back this far. */
    static final Duration RUNWAY_WINDOW = Duration.ofDays(30);
    /** A grant expiring within this is "expiring soon" when its type names no period. */
    static final Duration EXPIRING_SOON_DEFAULT = Duration.ofDays(30);
    static final int HISTORY_PAGE = 25;
    /** The runway says "about N days" up to this; a longer one says this. */
    static final long RUNWAY_DAYS_MAX = 100_000;
    /** The longest page a locale form may send the browser back to. */
    static final int BACK_LENGTH_MAX = 512;
    /** The usage page's spans, in days; the first is the default. */
    static final List<Integer> USAGE_SPANS = List.of(30, 90);
    private static final String SESSION = "portal.session";
    private static final Logger LOG = LoggerFactory.getLogger(Portal.class);
    private static final Map<String, String> ASSETS = Map.of(
            "portal.css", "text/css; charset=utf-8",
            "usage-chart.js", "text/javascript; charset=utf-8",
            "uPlot.iife.min.js", "text/javascript; charset=utf-8",
            "uPlot.min.css", "text/css; charset=utf-8");
    /** The served assets, read from the classpath once. */
    private static final Map<String, byte[]> ASSET_BYTES = new java.util.concurrent.ConcurrentHashMap<>();

    private final Credits credits;
    private final Plans plans;
    private final Payments payments;
    private final PortalSessions sessions;
    private final boolean demo;
    private final String publicUrl;

    /**
     * {@code payments} null: packs are bought through Stripe Checkout only when configured;
     * {@code demo}: a demo payment completes at once. Neither: no buy page. {@code publicUrl}:
     * where browsers reach the server, for Stripe's return addresses (null: the request's host).
     */
    public Portal(Credits credits, Plans plans, Payments payments, PortalSessions sessions,
                  boolean demo, String publicUrl) {
        this.credits = credits;
        this.plans = plans;
        this.payments = payments;
        this.sessions = sessions;
        this.demo = demo;
        this.publicUrl = publicUrl;
    }

    /** True when the buy page is shown: payments are configured or the server is a demo. */
    boolean canBuy() {
        return (payments != null || demo) && !plans.catalog().products().isEmpty();
    }

    // ---- sessions

    /** Before every page but the link and the assets: the session of the cookie, or a 401 page. */
    public void requireSession(Context ctx) {
        String path = ctx.path();
        if (path.startsWith(PATH + "/s/") || path.startsWith(PATH + "/assets/")) {
            return;
        }
        PortalSessions.Session session = sessions.fromCookie(ctx.cookie(COOKIE),
                PortalSessions.Kind.PORTAL);
        if (session == null) {
            denied(ctx, 401, "denied.expired.heading", "denied.expired.message");
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(SESSION, session);
        if (ctx.method().name().equals("POST")
                && !sessions.isCsrfValid(session, ctx.formParam("csrf"))) {
            denied(ctx, 403, "denied.form.heading", "denied.form.message");
            ctx.skipRemainingHandlers();
        }
    }

    /** {@code GET /portal/s/{token}}: opens a link: the cookie, then the overview at once. */
    public void open(Context ctx) {
        PortalSessions.Session session = sessions.fromLink(ctx.pathParam("token"));
        if (session == null) {
            denied(ctx, 401, "denied.link.heading", "denied.link.message");
            return;
        }
        Pages.setCookie(ctx, COOKIE, sessions.cookieToken(session), PATH,
                sessions.secondsLeft(session));
        ctx.attribute(SESSION, session);
        overview(ctx);
    }

    private PortalSessions.Session session(Context ctx) {
        return ctx.attribute(SESSION);
    }

    private Text text(Context ctx) {
        PortalSessions.Session session = session(ctx);
        return Text.of(Text.choose(session == null ? null : session.locale(),
                ctx.header("Accept-Language")));
    }

    private Chrome chrome(Context ctx, String titleKey, String current) {
        Text t = text(ctx);
        PortalSessions.Session session = session(ctx);
        List<NavItem> nav = new ArrayList<>();
        if (session != null) {
            nav.add(new NavItem(PATH, t.t("nav.overview"), current.equals("overview")));
            nav.add(new NavItem(PATH + "/history", t.t("nav.history"), current.equals("history")));
            nav.add(new NavItem(PATH + "/usage", t.t("nav.usage"), current.equals("usage")));
            nav.add(new NavItem(PATH + "/grants", t.t("nav.grants"), current.equals("grants")));
            if (canBuy()) {
                nav.add(new NavItem(PATH + "/buy", t.t("nav.buy"), current.equals("buy")));
            }
            nav.add(new NavItem(PATH + "/subscription", t.t("nav.subscription"),
                    current.equals("subscription")));
        }
        // The locale form sends the browser back to this page (the link's own: the overview).
        String back = ctx.path().startsWith(PATH + "/s/") ? PATH
                : ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        return new Chrome(t, t.t(titleKey), nav, session == null ? "" : sessions.csrfToken(session),
                session == null ? null : PATH + "/locale", back, session == null ? null
                : session.returnUrl(), null);
    }

    private void denied(Context ctx, int status, String headingKey, String messageKey) {
        Chrome chrome = chrome(ctx, headingKey, "");
        Pages.render(ctx, status, "denied.jte", new Denied(chrome, status,
                chrome.t(headingKey), chrome.t(messageKey)));
    }

    /** {@code POST /portal/locale}: the session's language from now on. */
    public void setLocale(Context ctx) {
        String locale = ctx.formParam("locale");
        if (locale == null || !PortalSessions.LOCALES.contains(locale)) {
            denied(ctx, 400, "denied.input.heading", "denied.input.message");
            return;
        }
        sessions.setLocale(session(ctx).id(), locale);
        String back = ctx.formParam("back");
        boolean portalPage = back != null && (back.equals(PATH) || back.startsWith(PATH + "/")
                || back.startsWith(PATH + "?"));
        Pages.seeOther(ctx, portalPage && back.length() <= BACK_LENGTH_MAX
                && !back.contains("\\") ? back : PATH);
    }

    // ---- pages

    /** {@code GET /portal}: a card per credit type. */
    public void overview(Context ctx) {
        String customer = session(ctx).customerId();
        Text t = text(ctx);
        Instant now = credits.now();
        Map<String, Long> used = new HashMap<>();
        Map<String, LocalDate> firstUse = new HashMap<>();
        for (UsageDay day : credits.usageByDay(customer, now.minus(RUNWAY_WINDOW), now)) {
            used.merge(day.creditType(), day.amount().units(), Math::addExact);
            firstUse.merge(day.creditType(), day.date(), (a, b) -> a.isBefore(b) ? a : b);
        }
        LocalDate today = now.atZone(ZoneOffset.UTC).toLocalDate();
        Map<String, List<GrantRecord>> active = new HashMap<>();
        for (GrantRecord g : credits.grants(customer, null, false)) {
            active.computeIfAbsent(g.creditType(), k -> new ArrayList<>()).add(g);
        }
        List<Card> cards = new ArrayList<>();
        for (WalletBalance w : credits.wallets(customer)) {
            CreditType type = credits.creditTypes().require(w.creditType());
            cards.add(new Card(type.name(), type.icon(), t.amount(w.balance()), t.amount(w.held()),
                    t.amount(w.available()), expiringSoon(t, type,
                    active.getOrDefault(type.id(), List.of()), now),
                    runway(t, w.available(), used.getOrDefault(type.id(), 0L),
                            daysOfUse(firstUse.get(type.id()), today)),
                    w.available().units() < 0));
        }
        String notice = "1".equals(ctx.queryParam("bought")) ? t.t("buy.done") : null;
        Pages.render(ctx, 200, "portal/overview.jte", new Overview(chrome(ctx, "overview.title",
                "overview"), customer, cards, notice));
    }

    /** What expires within the type's notice period (or 30 days): the sum and the first date. */
    private static String expiringSoon(Text t, CreditType type, List<GrantRecord> grants,
                                       Instant now) {
        Instant horizon = type.expiringSoonDays() > 0
                ? now.plus(Duration.ofDays(type.expiringSoonDays()))
                : now.plus(EXPIRING_SOON_DEFAULT);
        long units = 0;
        Instant first = null;
        for (GrantRecord g : grants) {
            if (g.expiresAt() != null && g.expiresAt().isBefore(horizon)
                    && g.status() == GrantStatus.ACTIVE && g.remaining().isPositive()) {
                units = Math.addExact(units, g.remaining().units());
                first = first == null || g.expiresAt().isBefore(first) ? g.expiresAt() : first;
            }
        }
        return first == null ? t.t("overview.expiring.none")
                : t.t("overview.expiring.some", t.amount(type.amount(units)), t.date(first));
    }

    /**
     * The days the runway's rate is taken over: since the first use in the window (today
     * included), so that a customer who began two days ago is not given fifteen times the runway.
     */
    static long daysOfUse(LocalDate firstUse, LocalDate today) {
        if (firstUse == null) {
            return RUNWAY_WINDOW.toDays();
        }
        long days = java.time.temporal.ChronoUnit.DAYS.between(firstUse, today) + 1;
        return Math.max(1, Math.min(RUNWAY_WINDOW.toDays(), days));
    }

    /**
     * "At your rate of the last N days, your credits last about M days": what is available
     * divided by the average day's use over {@code days}, in whole days (integers: no rounding
     * of money).
     */
    static String runway(Text t, Amount available, long used, long days) {
        if (used <= 0) {
            return t.t("overview.runway.idle");
        }
        if (available.units() <= 0) {
            return t.t("overview.runway.empty");
        }
        BigInteger runway = BigInteger.valueOf(available.units())
                .multiply(BigInteger.valueOf(days)).divide(BigInteger.valueOf(used));
        return t.t("overview.runway.days", runway.min(BigInteger.valueOf(RUNWAY_DAYS_MAX))
                .longValue(), days);
    }

    /** {@code GET /portal/history[?credit_type=&group=daily|none&cursor=]}. */
    public void history(Context ctx) {
        String customer = session(ctx).customerId();
        Text t = text(ctx);
        String type = ctx.queryParam("credit_type");
        boolean daily = !"none".equals(ctx.queryParam("group"));
        if (type != null && !type.isEmpty()) {
            if (!credits.creditTypes().contains(type)) {
                denied(ctx, 400, "denied.input.heading", "denied.input.message");
                return;
            }
        } else {
            type = null;
        }
        String cursor = ctx.queryParam("cursor");
        List<Transaction> entries;
        String nextCursor;
        try {
            if (daily) {
                DailyHistory.Page page = DailyHistory.read(credits, customer, type, cursor,
                        DailyHistory.Limits.DEFAULTS);
                entries = page.rows();
                nextCursor = page.nextCursor();
            } else {
                History query = History.query().limit(HISTORY_PAGE);
                query = type == null ? query : query.creditType(type);
                HistoryPage page = credits.history(customer, cursor == null || cursor.isEmpty()
                        ? query : query.after(cursor));
                entries = page.data();
                nextCursor = page.nextCursor();
            }
        } catch (dev.credits.ValidationException e) {
            denied(ctx, 400, "denied.input.heading", "denied.input.message");
            return;
        }
        Map<String, String> grantNames = new HashMap<>();
        Map<String, List<HistoryRow>> byDay = new LinkedHashMap<>();
        for (Transaction tx : entries) {
            CreditType creditType = credits.creditTypes().require(tx.creditType());
            LocalDate day = tx.date() != null ? tx.date() : DailyHistory.day(tx);
            List<PaidBy> paidBy = new ArrayList<>();
            for (Allocation a : tx.allocations() == null ? List.<Allocation>of()
                    : tx.allocations()) {
                paidBy.add(new PaidBy(a.grantId() == null ? t.t("history.overdraft")
                        : grantNames.computeIfAbsent(a.grantId(), id -> grantName(t, id)),
                        t.amount(a.amount())));
            }
            String kind = t.t("history.type." + tx.type().wireName());
            String detail = detail(t, tx);
            String when = tx.count() != null ? t.t("history.count", tx.count())
                    : t.dateTime(tx.effectiveAt());
            byDay.computeIfAbsent(t.date(day), k -> new ArrayList<>()).add(new HistoryRow(when,
                    (creditType.icon() == null ? "" : creditType.icon() + " ") + kind, detail, t.signed(tx.amount()),
                    tx.balanceAfter() == null ? "" : t.amount(tx.balanceAfter()),
                    tx.amount().units() < 0, paidBy));
        }
        List<HistoryDay> days = new ArrayList<>();
        byDay.forEach((date, rows) -> days.add(new HistoryDay(date, rows)));
        List<Option> types = new ArrayList<>();
        types.add(new Option("", t.t("history.all_types"), type == null));
        for (CreditType ct : credits.creditTypes().all()) {
            types.add(new Option(ct.id(), ct.name(), ct.id().equals(type)));
        }
        List<Option> groupings = List.of(new Option("daily", t.t("history.group.daily"), daily),
                new Option("none", t.t("history.group.none"), !daily));
        String base = PATH + "/history?group=" + (daily ? "daily" : "none")
                + (type == null ? "" : "&credit_type=" + enc(type));
        Pages.render(ctx, 200, "portal/history.jte", new PortalPages.History(chrome(ctx,
                "history.title", "history"), days, types, groupings,
                nextCursor == null ? null : base + "&cursor=" + enc(nextCursor),
                cursor == null || cursor.isEmpty() ? null : base));
    }

    private String grantName(Text t, String grantId) {
        try {
            GrantRecord g = credits.grant(grantId);
            return t.t("source." + g.source().wireName()) + " · " + t.date(g.createdAt() != null
                    ? g.createdAt() : g.effectiveAt());
        } catch (NotFoundException e) {
            return grantId;
        }
    }

    private static String detail(Text t, Transaction tx) {
        if (tx.type() == TransactionType.USAGE) {
            return tx.feature() == null ? t.t("history.no_feature") : tx.feature();
        }
        if (tx.type() == TransactionType.GRANT && tx.source() != null) {
            return t.t("source." + tx.source().wireName())
                    + (tx.reason() == null ? "" : " · " + tx.reason());
        }
        return tx.reason() == null ? "" : tx.reason();
    }

    /** {@code GET /portal/usage[?days=30|90]}: daily spend per feature, a chart and a table. */
    public void usage(Context ctx) {
        String customer = session(ctx).customerId();
        Text t = text(ctx);
        final int days = USAGE_SPANS.stream().filter(span -> String.valueOf(span)
                .equals(ctx.queryParam("days"))).findFirst().orElse(USAGE_SPANS.get(0));
        Instant now = credits.now();
        LocalDate last = now.atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate first = last.minusDays(days - 1L);
        List<UsageDay> usage = credits.usageByDay(customer,
                first.atStartOfDay(ZoneOffset.UTC).toInstant(), now.plusNanos(1000));
        List<UsageRow> rows = new ArrayList<>();
        // One series per credit type and feature, one value per day (0 for none).
        TreeMap<String, long[]> series = new TreeMap<>();
        Map<String, String> labels = new HashMap<>();
        Map<String, Integer> scales = new HashMap<>();
        Map<String, Long> totals = new TreeMap<>();
        for (UsageDay u : usage) {
            CreditType type = credits.creditTypes().require(u.creditType());
            String feature = u.feature() == null ? t.t("history.no_feature") : u.feature();
            String key = type.id() + "\u0000" + (u.feature() == null ? "" : "f:" + u.feature());
            int index = (int) java.time.temporal.ChronoUnit.DAYS.between(first, u.date());
            if (index >= 0 && index < days) {
                long[] values = series.computeIfAbsent(key, k -> new long[days]);
                values[index] = Math.addExact(values[index], u.amount().units());
                labels.put(key, type.name() + " · " + feature);
                scales.put(key, type.scale());
            }
            totals.merge(type.id(), u.amount().units(), Math::addExact);
            rows.add(new UsageRow(t.date(u.date()), type.name(), feature, t.amount(u.amount()),
                    u.count()));
        }
        java.util.Collections.reverse(rows);
        StringBuilder json = new StringBuilder("{\"days\":[");
        for (int i = 0; i < days; i++) {
            json.append(i == 0 ? "" : ",").append(first.plusDays(i).atStartOfDay(ZoneOffset.UTC)
                    .toEpochSecond());
        }
        json.append("],\"series\":[");
        boolean firstSeries = true;
        for (Map.Entry<String, long[]> e : series.entrySet()) {
            json.append(firstSeries ? "" : ",").append("{\"label\":")
                    .append(jsonString(labels.get(e.getKey()))).append(",\"scale\":")
                    .append(scales.get(e.getKey())).append(",\"units\":[");
            for (int i = 0; i < days; i++) {
                // Units as strings: a long past 2^53 would lose digits as a JSON number.
                json.append(i == 0 ? "" : ",").append('"').append(e.getValue()[i]).append('"');
            }
            json.append("]}");
            firstSeries = false;
        }
        json.append("]}");
        List<String> total = new ArrayList<>();
        totals.forEach((type, units) -> total.add(t.amount(credits.creditTypes().require(type)
                .amount(units)) + " " + credits.creditTypes().require(type).name()));
        List<Option> spans = new ArrayList<>();
        for (int span : USAGE_SPANS) {
            spans.add(new Option(PATH + "/usage?days=" + span, t.t("usage.span", span),
                    span == days));
        }
        Pages.render(ctx, 200, "portal/usage.jte", new Usage(chrome(ctx, "usage.title", "usage"),
                spans, json.toString(), rows, total.isEmpty() ? t.t("usage.none")
                : String.join(", ", total)));
    }

    /** {@code GET /portal/grants}: every grant, what it was and what is left. */
    public void grants(Context ctx) {
        String customer = session(ctx).customerId();
        Text t = text(ctx);
        Pages.render(ctx, 200, "portal/grants.jte", new Grants(chrome(ctx, "grants.title",
                "grants"), grantRows(t, credits, credits.grants(customer, null, true))));
    }

    static List<GrantRow> grantRows(Text t, Credits credits, List<GrantRecord> grants) {
        List<GrantRow> rows = new ArrayList<>();
        for (GrantRecord g : grants) {
            CreditType type = credits.creditTypes().require(g.creditType());
            rows.add(new GrantRow(g.id(), type.name(), t.t("source." + g.source().wireName()),
                    t.amount(g.amount()), t.amount(g.remaining()),
                    t.t("status." + g.status().wireName()),
                    t.date(g.createdAt() != null ? g.createdAt() : g.effectiveAt()),
                    g.expiresAt() == null ? t.t("grants.never") : t.date(g.expiresAt())));
        }
        return rows;
    }

    /** {@code GET /portal/buy}: the catalog's packs; 404 when nothing can be bought. */
    public void buyPage(Context ctx) {
        if (!canBuy()) {
            denied(ctx, 404, "denied.missing.heading", "denied.missing.message");
            return;
        }
        renderBuy(ctx, 200, null);
    }

    private void renderBuy(Context ctx, int status, String notice) {
        Text t = text(ctx);
        List<PackRow> packs = new ArrayList<>();
        for (Product p : plans.catalog().products()) {
            if (!demo && p.stripePriceId() == null) {
                continue; // not sold through Stripe: nothing to check out
            }
            List<String> provides = new ArrayList<>();
            for (Provision pr : p.provides()) {
                CreditType type = credits.creditTypes().require(pr.creditType());
                provides.add(t.amount(pr.amount()) + " " + type.name() + (pr.expiresAfter() == null
                        ? "" : " · " + t.t("buy.expires_after", t.period(pr.expiresAfter()))));
            }
            java.math.BigDecimal amount = p.price() == null ? null
                    : new java.math.BigDecimal(p.price().amount());
            String price = amount == null ? "" : t.number(amount, amount.scale()) + " "
                    + p.price().currency().toUpperCase(Locale.ROOT);
            packs.add(new PackRow(p.id(), p.name(), price, provides));
        }
        Pages.render(ctx, status, "portal/buy.jte", new Buy(chrome(ctx, "buy.title", "buy"), packs,
                Pages.newFormKey(), demo && payments == null, notice));
    }

    /**
     * {@code POST /portal/buy} {@code product, form_key}: with Stripe, a Checkout session and a
     * redirect to it; in a demo, the purchase at once. The form key makes a double submit one
     * purchase (and one Checkout session).
     */
    public void buy(Context ctx) {
        if (!canBuy()) {
            denied(ctx, 404, "denied.missing.heading", "denied.missing.message");
            return;
        }
        String customer = session(ctx).customerId();
        String productId = ctx.formParam("product");
        String formKey = ctx.formParam("form_key");
        if (productId == null || !Pages.isFormKey(formKey)
                || plans.catalog().products().stream().noneMatch(p -> p.id().equals(productId))) {
            denied(ctx, 400, "denied.input.heading", "denied.input.message");
            return;
        }
        // The form key spans the page's forms: the product makes each pack's form its own.
        String key = "portal-buy:" + formKey + ":" + productId;
        try {
            if (payments != null) {
                String base = publicUrl != null ? publicUrl : ctx.scheme() + "://" + ctx.host();
                Payments.CheckoutSession checkout = payments.checkout(customer, productId, null,
                        1, base + PATH + "?bought=1", base + PATH + "/buy", key);
                Pages.seeOther(ctx, checkout.url());
                return;
            }
            plans.purchase(customer, productId, 1, "demo:" + formKey, key);
            Pages.seeOther(ctx, PATH + "?bought=1");
        } catch (CreditsException e) {
            LOG.info("portal purchase of {} for {} refused: {}", productId, customer,
                    e.getMessage());
            renderBuy(ctx, 409, text(ctx).t("buy.failed"));
        }
    }

    /** {@code GET /portal/subscription}: plan, next renewal, allowance and rollover. */
    public void subscription(Context ctx) {
        String customer = session(ctx).customerId();
        Text t = text(ctx);
        List<SubscriptionRow> rows = new ArrayList<>();
        for (Subscription s : plans.subscriptions(customer)) {
            Plan plan = plans.catalog().plans().stream().filter(p -> p.id().equals(s.plan()))
                    .findFirst().orElse(null);
            List<String> allowance = new ArrayList<>();
            String rollover = t.t("subscription.rollover.none");
            if (plan != null) {
                for (Provision p : plan.providesMonthly()) {
                    allowance.add(t.amount(p.amount()) + " " + credits.creditTypes()
                            .require(p.creditType()).name());
                }
                if (plan.rollover() != null) {
                    rollover = plan.rollover().maxAmount() != null
                            ? t.t("subscription.rollover.amount", t.number(plan.rollover()
                            .maxAmount(), plan.rollover().maxAmount().scale()))
                            : t.t("subscription.rollover.percent", plan.rollover().maxPercent());
                }
            }
            boolean active = Subscription.ACTIVE.equals(s.status());
            rows.add(new SubscriptionRow(plan == null ? s.plan() : plan.name(),
                    t.t("subscription.status." + s.status()),
                    active && s.cancelAt() == null ? t.date(s.currentPeriodEnd()) : "",
                    allowance, rollover, s.cancelAt() == null ? "" : t.date(s.cancelAt())));
        }
        Pages.render(ctx, 200, "portal/subscription.jte", new Subscriptions(chrome(ctx,
                "subscription.title", "subscription"), rows));
    }

    /** {@code GET /portal/assets/{file}}: the stylesheet, the chart and its library. */
    public void asset(Context ctx) {
        String file = ctx.pathParam("file");
        String type = ASSETS.get(file);
        if (type == null) {
            denied(ctx, 404, "denied.missing.heading", "denied.missing.message");
            return;
        }
        ctx.header("Cache-Control", "public, max-age=3600");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType(type);
        ctx.result(ASSET_BYTES.computeIfAbsent(file, Portal::readAsset));
    }

    /** An asset's bytes: ours beside this class, uPlot's from its webjar (whatever version). */
    private static byte[] readAsset(String file) {
        String resource = file.startsWith("uPlot") ? "/META-INF/resources/webjars/uplot/"
                + uplotVersion() + "/dist/" + file : "assets/" + file;
        try (InputStream in = Portal.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The version of the uPlot webjar on the classpath, from its Maven properties. */
    private static String uplotVersion() {
        try (InputStream in = Portal.class.getResourceAsStream(
                "/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the uPlot webjar is missing from the classpath");
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String jsonString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028'
                    || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
