package dev.credits.payments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Stripe API on a free loopback port, for stripe-java's {@code api_base}: it records every
 * request (method, path, form fields, Idempotency-Key) and answers with Stripe's published
 * example objects ({@code src/test/resources/stripe}) shaped by the request. Like Stripe, a
 * request repeated with the same Idempotency-Key gets the first answer again.
 */
public final class FakeStripe implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One request as Stripe received it. */
    public record Request(String method, String path, Map<String, String> form,
                          String idempotencyKey) {
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String[]> byKey = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile int failuresLeft;
    private volatile String declineMessage;
    /** The customer's invoice default; null as Stripe leaves it after a payment's Checkout. */
    private volatile String defaultPaymentMethod;
    /** The cards saved on every customer, newest first (what setup_future_usage leaves). */
    private volatile List<String> savedCards = List.of("pm_card_visa");
    private volatile String intentStatus = "processing";

    private FakeStripe() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::serve);
        server.start();
    }

    public static FakeStripe start() {
        return new FakeStripe();
    }

    public String apiBase() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method)
                && r.path().equals(path)).toList();
    }

    /** The next {@code n} requests answer 500 (Stripe down). */
    public void failNext(int n) {
        failuresLeft = n;
    }

    /** Payment intents are declined with this message (null: they are not). */
    public void decline(String message) {
        declineMessage = message;
    }

    public void defaultPaymentMethod(String id) {
        defaultPaymentMethod = id;
    }

    public void savedCards(List<String> ids) {
        savedCards = List.copyOf(ids);
    }

    /** The status a created payment intent answers ({@code processing} by default). */
    public void intentStatus(String status) {
        intentStatus = status;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8);
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            Request request = new Request(exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(), form(body), key);
            requests.add(request);
            String[] answer;
            if (failuresLeft > 0) {
                failuresLeft--;
                answer = new String[] {"500", "{\"error\":{\"type\":\"api_error\",\"message\":"
                        + "\"fake Stripe is down\"}}"};
            } else if (key != null && byKey.containsKey(request.method() + request.path()
                    + key)) {
                answer = byKey.get(request.method() + request.path() + key);
            } else {
                answer = answer(request);
                if (key != null) {
                    byKey.putIfAbsent(request.method() + request.path() + key, answer);
                    answer = byKey.get(request.method() + request.path() + key);
                }
            }
            byte[] bytes = answer[1].getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Request-Id", "req_fake_" + ids.get());
            exchange.sendResponseHeaders(Integer.parseInt(answer[0]), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private String[] answer(Request r) {
        String path = r.path();
        if (r.method().equals("POST") && path.equals("/v1/customers")) {
            ObjectNode customer = fixture("customer");
            customer.put("id", "cus_fake" + ids.incrementAndGet());
            metadata(customer, r);
            return ok(customer);
        }
        if (r.method().equals("GET") && path.startsWith("/v1/customers/")
                && path.endsWith("/payment_methods")) {
            com.fasterxml.jackson.databind.node.ObjectNode list = JSON.createObjectNode();
            list.put("object", "list");
            list.put("has_more", false);
            list.put("url", path);
            com.fasterxml.jackson.databind.node.ArrayNode data = list.putArray("data");
            for (String card : savedCards) {
                data.addObject().put("id", card).put("object", "payment_method")
                        .put("type", "card");
            }
            return ok(list);
        }
        if (r.method().equals("POST") && path.equals("/v1/refunds")) {
            ObjectNode refund = fixture("refund");
            refund.put("id", "re_fake" + ids.incrementAndGet());
            refund.put("payment_intent", r.form().get("payment_intent"));
            refund.put("status", "succeeded");
            metadata(refund, r);
            return ok(refund);
        }
        if (r.method().equals("GET") && path.startsWith("/v1/customers/")) {
            ObjectNode customer = fixture("customer");
            customer.put("id", path.substring("/v1/customers/".length()));
            ((ObjectNode) customer.get("invoice_settings")).put("default_payment_method",
                    defaultPaymentMethod);
            return ok(customer);
        }
        if (r.method().equals("POST") && path.equals("/v1/checkout/sessions")) {
            ObjectNode session = fixture("checkout_session");
            String id = "cs_test_fake" + ids.incrementAndGet();
            session.put("id", id);
            session.put("url", "https://checkout.stripe.com/c/pay/" + id);
            session.put("mode", r.form().get("mode"));
            session.put("customer", r.form().get("customer"));
            session.put("status", "open");
            metadata(session, r);
            return ok(session);
        }
        if (r.method().equals("POST") && path.equals("/v1/invoiceitems")) {
            ObjectNode item = fixture("invoiceitem");
            item.put("id", "ii_fake" + ids.incrementAndGet());
            item.put("amount", Long.parseLong(r.form().get("amount")));
            item.put("currency", r.form().get("currency"));
            item.put("customer", r.form().get("customer"));
            metadata(item, r);
            return ok(item);
        }
        if (r.method().equals("POST") && path.equals("/v1/payment_intents")) {
            if (declineMessage != null) {
                return new String[] {"402", "{\"error\":{\"type\":\"card_error\",\"code\":"
                        + "\"card_declined\",\"decline_code\":\"insufficient_funds\","
                        + "\"message\":\"" + declineMessage + "\"}}"};
            }
            ObjectNode intent = fixture("payment_intent");
            intent.put("id", "pi_fake" + ids.incrementAndGet());
            intent.put("amount", Long.parseLong(r.form().get("amount")));
            intent.put("currency", r.form().get("currency"));
            intent.put("customer", r.form().get("customer"));
            intent.put("status", intentStatus);
            metadata(intent, r);
            return ok(intent);
        }
        return new String[] {"404", "{\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"Unrecognized request URL (" + r.method() + ": " + path
                + ") in the fake\"}}"};
    }

    private static void metadata(ObjectNode object, Request r) {
        ObjectNode metadata = object.putObject("metadata");
        r.form().forEach((k, v) -> {
            if (k.startsWith("metadata[")) {
                metadata.put(k.substring(9, k.length() - 1), v);
            }
        });
    }

    private static String[] ok(JsonNode node) {
        return new String[] {"200", node.toString()};
    }

    /** A copy of one of Stripe's example objects, e.g. {@code checkout_session}. */
    public static ObjectNode fixture(String name) {
        try (InputStream in = FakeStripe.class.getResourceAsStream("/stripe/" + name
                + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return out;
        }
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return out;
    }

    List<String> paths() {
        List<String> out = new ArrayList<>();
        for (Request r : requests) {
            out.add(r.method() + " " + r.path());
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
