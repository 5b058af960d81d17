package dev.credits.server;

import dev.credits.Credits;
import dev.credits.ai.AiMetering;
import dev.credits.payments.Payments;
import dev.credits.plans.Catalog;
import dev.credits.plans.Plans;
import dev.credits.postgres.PostgresLedger;
import dev.credits.server.portal.Console;
import dev.credits.server.portal.Portal;
import dev.credits.server.portal.PortalSessions;
import dev.credits.webhooks.Webhooks;
import dev.credits.webhooks.WebhooksConfig;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import io.javalin.util.JavalinLogger;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The HTTP API of API.md over a {@link Credits} ledger. The caller owns the ledger and the keys;
 * {@link #stop()} stops only the HTTP server. Thread-safe.
 * <pre>{@code
 * CreditsServer server = CreditsServer.start(credits, new ApiKeys(dataSource), 8080);
 * ...
 * server.stop(); // requests in flight finish first
 * }</pre>
 */
public final class CreditsServer {
    /** The largest request body accepted, in bytes (64 KiB). */
    public static final int BODY_BYTES_MAX = 64 * 1024;
    /** Connections the kernel holds for the server beyond those it serves. */
    static final int ACCEPT_QUEUE_SIZE = 1_024;
    /** An idle connection's lifetime while the connection limit is reached. */
    static final long LIMITED_IDLE_TIMEOUT_MS = 2_000;
    /** How long {@link #stop()} waits for requests in flight to finish. */
    public static final long STOP_TIMEOUT_MS = 10_000;

    private final Javalin app;
    private final int port;
    private boolean stopped;

    private final List<AutoCloseable> owned;

    private CreditsServer(Javalin app, List<AutoCloseable> owned) {
        this.app = app;
        this.port = app.port();
        this.owned = owned;
    }

    /**
     * Starts serving on {@code port} (0 picks a free port; see {@link #port()}). Throws
     * {@link IllegalStateException} (from Javalin) when the port cannot be bound.
     */
    public static CreditsServer start(PostgresLedger ledger, ApiKeys keys, int port) {
        return start(ledger, keys, port, Plans.open(ledger.credits(), ledger.dataSource(),
                Catalog.empty()));
    }

    /**
     * Starts serving, with the subscriptions, purchases and test clock of {@code plans}, the
     * default AI metering, and webhooks with the default settings, delivering in the background
     * until the server stops.
     */
    public static CreditsServer start(PostgresLedger ledger, ApiKeys keys, int port,
                                      Plans plans) {
        return start(ledger, keys, port, plans, WebhooksConfig.defaults());
    }

    /** As {@link #start(PostgresLedger, ApiKeys, int, Plans)}, with webhooks as configured. */
    public static CreditsServer start(PostgresLedger ledger, ApiKeys keys, int port,
                                      Plans plans, WebhooksConfig webhooksConfig) {
        Webhooks webhooks = Webhooks.open(ledger.credits(), ledger.backgroundDataSource(),
                webhooksConfig);
        try {
            CreditsServer server = start(ledger.credits(), keys, port, plans,
                    AiApi.defaultMetering(ledger), webhooks, null, List.of(webhooks),
                    PortalOptions.DEFAULTS, HttpLimits.DEFAULTS);
            webhooks.start();
            return server;
        } catch (RuntimeException e) {
            webhooks.close();
            throw e;
        }
    }

    /**
     * Starts serving, with {@code plans}, the AI metering {@code ai} (null: no AI type) and
     * {@code webhooks} (whose delivery the caller starts and closes).
     */
    public static CreditsServer start(Credits credits, ApiKeys keys, int port, Plans plans,
                                      AiMetering ai, Webhooks webhooks) {
        return start(credits, keys, port, plans, ai, webhooks, null, List.of(),
                PortalOptions.DEFAULTS, HttpLimits.DEFAULTS);
    }

    /**
     * As {@link #start(Credits, ApiKeys, int, Plans, AiMetering, Webhooks)}, with Stripe
     * {@code payments} (null: none; their routes answer 404); the caller starts and closes them.
     */
    public static CreditsServer start(Credits credits, ApiKeys keys, int port, Plans plans,
                                      AiMetering ai, Webhooks webhooks, Payments payments) {
        return start(credits, keys, port, plans, ai, webhooks, payments, List.of(),
                PortalOptions.DEFAULTS, HttpLimits.DEFAULTS);
    }

    /**
     * The portal's settings: {@code demo} makes its buy page complete a purchase at once
     * without payment (for {@code ./credits serve --demo}); {@code publicUrl} is where browsers
     * reach the server, for the links (null: the host each request names).
     */
    public record PortalOptions(boolean demo, String publicUrl) {
        public static final PortalOptions DEFAULTS = new PortalOptions(false, null);
    }

    /** As {@link #start(Credits, ApiKeys, int, Plans, AiMetering, Webhooks, Payments)}, with
     * the portal as given. */
    public static CreditsServer start(Credits credits, ApiKeys keys, int port, Plans plans,
                                      AiMetering ai, Webhooks webhooks, Payments payments,
                                      PortalOptions portal) {
        return start(credits, keys, port, plans, ai, webhooks, payments, List.of(), portal,
                HttpLimits.DEFAULTS);
    }

    /** As {@link #start(Credits, ApiKeys, int, Plans, AiMetering, Webhooks, Payments,
     * PortalOptions)}, with the HTTP limits as given. */
    public static CreditsServer start(Credits credits, ApiKeys keys, int port, Plans plans,
                                      AiMetering ai, Webhooks webhooks, Payments payments,
                                      PortalOptions portal, HttpLimits limits) {
        return start(credits, keys, port, plans, ai, webhooks, payments, List.of(), portal,
                limits);
    }

    private static CreditsServer start(Credits credits, ApiKeys keys, int port, Plans plans,
                                       AiMetering ai, Webhooks webhooks, Payments payments,
                                       List<AutoCloseable> owned, PortalOptions portal,
                                       HttpLimits limits) {
        if (credits == null || keys == null || plans == null || webhooks == null) {
            throw new IllegalArgumentException("credits, keys, plans and webhooks are required");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        ServerMetrics metrics = new ServerMetrics(credits);
        LedgerApi ledger = new LedgerApi(credits, metrics);
        PlansApi subscriptions = new PlansApi(plans);
        OperationsApi operations = new OperationsApi(credits, metrics);
        Guards guards = new Guards(keys, limits);
        AiApi aiApi = new AiApi(ai, metrics);
        WebhooksApi hooks = new WebhooksApi(webhooks, metrics);
        TopupsApi topups = new TopupsApi(webhooks.autoTopups(), credits.creditTypes());
        PaymentsApi paymentsApi = new PaymentsApi(payments);
        ReportsApi reports = new ReportsApi(credits);
        PortalSessions sessions = new PortalSessions(keys.dataSource());
        PortalApi portalApi = new PortalApi(sessions, portal.publicUrl());
        Portal portalPages = new Portal(credits, plans, payments, sessions, portal.demo(),
                portal.publicUrl());
        Console console = new Console(credits, keys, sessions, webhooks);
        ReplayedPosts replayed = new ReplayedPosts(keys.dataSource(), credits.clock());
        JavalinLogger.startupInfo = false;
        Javalin app = Javalin.create(config -> {
            configure(config, metrics, limits);
            routes(config.routes, ledger, subscriptions, operations, guards, aiApi, hooks,
                    topups, paymentsApi, reports, portalApi, replayed);
            if (limits.protectOperations()) {
                for (String path : List.of("/metrics", "/openapi.json", "/docs", "/docs/*")) {
                    config.routes.before(path, guards::authenticateOperations);
                }
            }
            pages(config.routes, portalPages, console);
        });
        app.start(port);
        return new CreditsServer(app, owned);
    }

    private static void configure(JavalinConfig config, ServerMetrics metrics,
                                  HttpLimits limits) {
        config.startup.showJavalinBanner = false;
        config.startup.startupWatcherEnabled = false;
        config.http.maxRequestSize = BODY_BYTES_MAX;
        config.http.prefer405over404 = false;
        config.jetty.modifyServer(server -> {
            server.setStopTimeout(STOP_TIMEOUT_MS);
            server.insertHandler(new GracefulHandler());
            server.insertHandler(new MethodOverrideStripper());
            server.setErrorHandler(new JettyErrors());
            // Beyond the limit, connections wait in the accept queue (ACCEPT_QUEUE_SIZE), and
            // idle ones are closed sooner (LIMITED_IDLE_TIMEOUT_MS) to make room.
            NetworkConnectionLimit limit = new NetworkConnectionLimit(limits.maxConnections(),
                    server);
            limit.setEndPointIdleTimeout(LIMITED_IDLE_TIMEOUT_MS);
            server.addBean(limit);
            // Javalin adds its connector before starting the server: set it up then.
            server.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(LifeCycle event) {
                    for (Connector connector : server.getConnectors()) {
                        if (connector instanceof AbstractConnector idle) {
                            idle.setIdleTimeout(limits.idleTimeoutSeconds() * 1_000L);
                        }
                        if (connector instanceof ServerConnector network) {
                            network.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
                        }
                    }
                }
            });
        });
        config.jetty.modifyHttpConfiguration(http ->
                http.setIdleTimeout(limits.idleTimeoutSeconds() * 1_000L));
        config.requestLogger.http((ctx, ms) -> metrics.request(ctx.method().name(),
                routeOf(ctx), ctx.statusCode(), (long) (ms * 1_000_000L)));
    }

    /**
     * A POST whose operation keeps no Idempotency-Key of its own: the key is kept for it
     * ({@link ReplayedPosts}), as API.md has every POST accept one.
     */
    private static void postKeyed(RoutesConfig routes, ReplayedPosts replayed, String path,
                                  Handler handler) {
        routes.post(path, replayed.keyed(path, handler));
    }

    /** Every route of the server, in one place. */
    private static void routes(RoutesConfig routes, LedgerApi ledger, PlansApi subscriptions,
                               OperationsApi operations, Guards guards, AiApi ai,
                               WebhooksApi webhooks, TopupsApi topups,
                               PaymentsApi payments, ReportsApi reports, PortalApi portal,
                               ReplayedPosts replayed) {
        routes.before(guards::nameRequest);
        routes.after(Guards::forgetRequest);
        routes.before(guards::limitBody);
        routes.before("/v1/*", guards::authenticate);
        routes.before("/v1/*", guards::requireJson);

        routes.get("/v1/credit-types", ledger::creditTypes);
        routes.get("/v1/customers/{customer}/wallets", ledger::wallets);
        routes.get("/v1/customers/{customer}/wallets/{credit_type}", ledger::wallet);
        routes.patch("/v1/customers/{customer}/wallets/{credit_type}", ledger::setOverdraftLimit);
        routes.post("/v1/customers/{customer}/grants", ledger::createGrant);
        routes.get("/v1/customers/{customer}/grants", ledger::listGrants);
        routes.get("/v1/grants/{id}", ledger::getGrant);
        routes.post("/v1/grants/{id}/void", ledger::voidGrant);
        routes.post("/v1/customers/{customer}/spend", ledger::spend);
        routes.post("/v1/customers/{customer}/adjustments", ledger::adjust);
        routes.post("/v1/customers/{customer}/holds", ledger::createHold);
        routes.get("/v1/holds/{id}", ledger::getHold);
        routes.post("/v1/holds/{id}/capture", ledger::capture);
        routes.post("/v1/holds/{id}/release", ledger::release);
        routes.get("/v1/customers/{customer}/transactions", ledger::transactions);
        routes.get("/v1/reports/revenue", reports::revenue);
        routes.post("/v1/customers/{customer}/ai-calls", ai::reserve);
        postKeyed(routes, replayed, "/v1/ai-calls/{id}/complete", ai::complete);
        postKeyed(routes, replayed, "/v1/ai-calls/{id}/cancel", ai::cancel);
        routes.post("/v1/customers/{customer}/ai-usage", ai::recordUsage);
        routes.get("/v1/customers/{customer}/ai-usage", ai::usageTotals);

        routes.get("/v1/plans", subscriptions::listPlans);
        routes.get("/v1/products", subscriptions::listProducts);
        routes.post("/v1/customers/{customer}/subscriptions", subscriptions::createSubscription);
        routes.get("/v1/customers/{customer}/subscriptions", subscriptions::listSubscriptions);
        routes.get("/v1/subscriptions/{id}", subscriptions::getSubscription);
        routes.post("/v1/subscriptions/{id}/change", subscriptions::change);
        routes.post("/v1/subscriptions/{id}/cancel", subscriptions::cancel);
        routes.post("/v1/subscriptions/{id}/renew", subscriptions::renew);
        routes.post("/v1/customers/{customer}/purchases", subscriptions::purchase);
        routes.get("/v1/test-clock", subscriptions::testClock);
        routes.post("/v1/test-clock/advance", subscriptions::advanceTestClock);

        routes.post("/v1/webhook-endpoints", webhooks::create);
        routes.get("/v1/webhook-endpoints", webhooks::list);
        routes.get("/v1/webhook-endpoints/{id}", webhooks::get);
        routes.patch("/v1/webhook-endpoints/{id}", webhooks::update);
        routes.delete("/v1/webhook-endpoints/{id}", webhooks::delete);
        postKeyed(routes, replayed, "/v1/webhook-endpoints/{id}/rotate-secret",
                webhooks::rotateSecret);
        routes.get("/v1/webhook-endpoints/{id}/deliveries", webhooks::deliveries);
        postKeyed(routes, replayed, "/v1/webhook-deliveries/{id}/retry", webhooks::retry);
        routes.get("/v1/events", webhooks::events);
        routes.get("/v1/events/{id}", webhooks::event);
        routes.put("/v1/customers/{customer}/wallets/{credit_type}/auto-topup",
                topups::putRule);
        routes.get("/v1/customers/{customer}/wallets/{credit_type}/auto-topup",
                topups::getRule);
        routes.delete("/v1/customers/{customer}/wallets/{credit_type}/auto-topup",
                topups::deleteRule);
        routes.get("/v1/topups/{id}", topups::get);
        postKeyed(routes, replayed, "/v1/topups/{id}/complete", topups::complete);
        postKeyed(routes, replayed, "/v1/topups/{id}/fail", topups::fail);
        routes.post("/v1/customers/{customer}/checkout-sessions", payments::checkout);
        routes.post(Guards.STRIPE_WEBHOOK, payments::webhook);
        postKeyed(routes, replayed, "/v1/portal-sessions", portal::create);

        routes.get("/health", operations::health);
        routes.get("/metrics", operations::metrics);
        routes.get("/openapi.json", operations::openApi);
        routes.get("/docs", operations::docs);
        routes.get("/docs/{file}", operations::docsFile);

        // Javalin maps HttpResponseException (an unknown route, a body over the limit) itself
        // unless told otherwise; both go through the one problem renderer.
        routes.exception(HttpResponseException.class, Problems::handle);
        routes.exception(Exception.class, Problems::handle);
    }

    /** The customer portal and the operator console: HTML pages (docs/portal.md). */
    private static void pages(RoutesConfig routes, Portal portal, Console console) {
        for (String path : List.of(Portal.PATH, Portal.PATH + "/*", Console.PATH,
                Console.PATH + "/*")) {
            routes.before(path, dev.credits.server.portal.Pages::requireForm);
        }
        routes.before(Portal.PATH, portal::requireSession);
        routes.before(Portal.PATH + "/*", portal::requireSession);
        routes.get(Portal.PATH + "/s/{token}", portal::open);
        routes.get(Portal.PATH, portal::overview);
        routes.get(Portal.PATH + "/history", portal::history);
        routes.get(Portal.PATH + "/usage", portal::usage);
        routes.get(Portal.PATH + "/grants", portal::grants);
        routes.get(Portal.PATH + "/buy", portal::buyPage);
        routes.post(Portal.PATH + "/buy", portal::buy);
        routes.get(Portal.PATH + "/subscription", portal::subscription);
        routes.post(Portal.PATH + "/locale", portal::setLocale);
        routes.get(Portal.PATH + "/assets/{file}", portal::asset);

        routes.before(Console.PATH, console::requireSession);
        routes.before(Console.PATH + "/*", console::requireSession);
        routes.get(Console.PATH, console::home);
        routes.post(Console.PATH + "/sign-in", console::signIn);
        routes.post(Console.PATH + "/sign-out", console::signOut);
        routes.get(Console.PATH + "/customer", console::customer);
        routes.post(Console.PATH + "/grants", console::grant);
        routes.post(Console.PATH + "/adjustments", console::adjust);
        routes.post(Console.PATH + "/grants/{id}/void", console::voidGrant);
    }

    /** The route template of a request for metrics; one label for every unmatched path. */
    private static String routeOf(Context ctx) {
        try {
            Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
            return endpoint == null ? "unmatched" : endpoint.path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }

    /** The port the server listens on (or listened on, once stopped). */
    public int port() {
        return port;
    }

    /** Every route the server answers, as {@code "METHOD /path/{param}"}. */
    public List<String> routes() {
        List<String> out = new ArrayList<>();
        for (ParsedEndpoint parsed : app.unsafe.internalRouter.allHttpHandlers()) {
            Endpoint endpoint = parsed.endpoint;
            if (endpoint.method.isHttpMethod()) {
                out.add(endpoint.method.name() + " " + endpoint.path);
            }
        }
        return out;
    }

    /**
     * Stops accepting requests, lets those in flight finish (up to {@link #STOP_TIMEOUT_MS}),
     * then stops. Calling it again does nothing.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        app.stop();
        for (AutoCloseable part : owned) {
            try {
                part.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(CreditsServer.class).warn("{} did not close"
                        + " cleanly", part.getClass().getSimpleName(), e);
            }
        }
    }
}
