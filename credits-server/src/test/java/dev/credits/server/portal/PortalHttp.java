package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.server.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A browser without a browser: pages and forms of the portal and the console over HTTP. */
final class PortalHttp {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final Pattern FORM_KEY = Pattern.compile("name=\"form_key\" value=\"([^\"]+)\"");

    /** An answer: status, body, the cookie it set (name=value) and where it redirects. */
    record Page(int status, String body, String cookie, String location) {
    }

    private final TestServer server;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).build();

    PortalHttp(TestServer server) {
        this.server = server;
    }

    Page get(String path, String cookie) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return send(b.build());
    }

    Page post(String path, String cookie, Map<String, String> form) {
        return post(path, cookie, form, Map.of());
    }

    /** A form with request headers of the test's own (Origin, Sec-Fetch-Site). */
    Page post(String path, String cookie, Map<String, String> form, Map<String, String> headers) {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(),
                StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(),
                StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        headers.forEach(b::header);
        return send(b.build());
    }

    /** A form posted until it is not answered 503 (the server asks for a retry). */
    Page postRetrying(String path, String cookie, Map<String, String> form) {
        for (int attempt = 0; ; attempt++) {
            Page page = post(path, cookie, form);
            if (page.status() != 503 || attempt == 20) {
                return page;
            }
        }
    }

    private Page send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            String cookie = r.headers().firstValue("Set-Cookie").map(c -> c.split(";", 2)[0])
                    .orElse(null);
            return new Page(r.statusCode(), r.body(), cookie,
                    r.headers().firstValue("Location").orElse(null));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens a link of {@code customer}: the session cookie. */
    String open(String customer) {
        String url = PortalFixture.link(server, customer);
        Page page = get(URI.create(url).getPath(), null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.cookie()).startsWith(Portal.COOKIE + "=");
        return page.cookie();
    }

    /** Signs in to the console with {@code key}: the session cookie. */
    String signIn(String key) {
        Page page = post("/admin/sign-in", null, Map.of("key", key));
        assertThat(page.status()).isEqualTo(303);
        assertThat(page.cookie()).startsWith(Console.COOKIE + "=");
        return page.cookie();
    }

    /** {@code form} with the customer a console form names. */
    static Map<String, String> as(String customer, Map<String, String> form) {
        Map<String, String> out = new java.util.LinkedHashMap<>(form);
        out.put("customer", customer);
        return out;
    }

    static String csrf(String body) {
        Matcher m = CSRF.matcher(body);
        assertThat(m.find()).as("a form token in the page").isTrue();
        return m.group(1);
    }

    static String formKey(String body) {
        Matcher m = FORM_KEY.matcher(body);
        assertThat(m.find()).as("a form key in the page").isTrue();
        return m.group(1);
    }
}
