package dev.credits.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP receiver on 127.0.0.1 that verifies every signature the way a Standard Webhooks
 * receiver does, and records what arrives. It answers 200, 500, or slowly, as told.
 */
public final class Receiver implements AutoCloseable {
    public enum Mode { OK, FAIL, SLOW, STALL_BODY }

    public record Received(String id, String timestamp, String signatures, JsonNode body,
                           byte[] raw, Instant at, boolean verified) {
    }

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.OK;
    private volatile List<String> secrets = List.of();
    private volatile long slowMs = 2_000;

    public Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/hook", exchange -> {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String ts = exchange.getRequestHeaders().getFirst("webhook-timestamp");
            String sigs = exchange.getRequestHeaders().getFirst("webhook-signature");
            boolean verified = verifies(id, ts, sigs, raw);
            received.add(new Received(id, ts, sigs, JSON.readTree(raw), raw, Instant.now(),
                    verified));
            Mode now = mode;
            if (now == Mode.STALL_BODY) {
                // A status and a promise of a body that never comes.
                exchange.sendResponseHeaders(200, 1_000);
                try {
                    Thread.sleep(slowMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            if (now == Mode.SLOW) {
                try {
                    Thread.sleep(slowMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = now == Mode.FAIL ? 500 : 200;
            byte[] answer = (now == Mode.FAIL ? "down for maintenance" : "ok")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            } catch (IOException e) {
                // the sender gave up waiting
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    public void mode(Mode value) {
        mode = value;
    }

    public void slowMs(long ms) {
        slowMs = ms;
    }

    /** The secrets a signature may be made with (a receiver during a rotation knows both). */
    public void secrets(String... values) {
        secrets = List.of(values);
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    public void clear() {
        received.clear();
    }

    /** True when one of the signatures is the HMAC of one of the secrets. */
    private boolean verifies(String id, String timestamp, String signatures, byte[] body) {
        if (id == null || timestamp == null || signatures == null) {
            return false;
        }
        for (String secret : secrets) {
            String want = sign(secret, id, timestamp, body);
            for (String signature : signatures.split(" ")) {
                if (MessageDigest.isEqual(want.getBytes(StandardCharsets.UTF_8),
                        signature.getBytes(StandardCharsets.UTF_8))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** What a receiver computes: written here from the spec, not with the sender's code. */
    public static String sign(String secret, String id, String timestamp, byte[] body) {
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] signed = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[signed.length + body.length];
            System.arraycopy(signed, 0, all, 0, signed.length);
            System.arraycopy(body, 0, all, signed.length, body.length);
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(all));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
