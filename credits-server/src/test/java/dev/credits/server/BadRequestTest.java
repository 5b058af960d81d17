package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credits.server.TestServer.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests, table-driven: each gets the documented status and code as problem+json, and
 * leaves the wallet, its grants and its history exactly as they were.
 */
class BadRequestTest {
    static final String CUSTOMER = "victim";
    static final String W = "/v1/customers/" + CUSTOMER;
    static final String USED_KEY = "idem-used-once";
    static final int OVERSIZE_ATTEMPTS = 200;
    static TestServer t;
    static String releasedHold;
    static String voidedGrant;
    static String foreignCursor;

    /** One bad request. Paths and bodies may name {released_hold}, {voided_grant}, {cursor}. */
    record Case(String name, String method, String path, String body, Map<String, String> headers,
                String key, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void start() {
        t = TestServer.start();
        t.grant(CUSTOMER, "100.00");
        voidedGrant = t.grant(CUSTOMER, "5.00").get("id").asText();
        assertThat(t.post("/v1/grants/" + voidedGrant + "/void", "{}").status()).isEqualTo(200);
        Response hold = t.post(W + "/holds", "{\"credit_type\":\"credits\",\"amount\":\"1.00\"}");
        releasedHold = hold.json().get("id").asText();
        assertThat(t.post("/v1/holds/" + releasedHold + "/release", null).status()).isEqualTo(200);
        assertThat(t.spend(CUSTOMER, "1.00", Map.of("Idempotency-Key", USED_KEY)).status())
                .isEqualTo(201);
        t.grant("other", "3.00");
        t.spend("other", "1.00", Map.of());
        foreignCursor = t.get("/v1/customers/other/transactions?limit=1").json()
                .get("next_cursor").asText();
        assertThat(t.balance(CUSTOMER)).isEqualTo("99.00");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        String spend = W + "/spend";
        String grants = W + "/grants";
        String holds = W + "/holds";
        String adjustments = W + "/adjustments";
        String wallet = W + "/wallets/credits";
        String history = W + "/transactions";
        // Malformed JSON, arrays, empty bodies, other non-objects
        c.add(post("unterminated object", spend, "{", 400, "malformed_request"));
        c.add(post("missing value", spend, "{\"credit_type\":\"credits\",\"amount\":}", 400,
                "malformed_request"));
        c.add(post("not JSON at all", grants, "grant me 100", 400, "malformed_request"));
        c.add(post("NUL in reason", grants, "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"source\":\"purchase\",\"reason\":\"a\\u0000b\"}", 422, "validation_failed"));
        c.add(post("NUL in a metadata key", spend, "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\",\"metadata\":{\"k\\u0000\":1}}", 422,
                "validation_failed"));
        c.add(post("NUL in feature", spend, "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"feature\":\"\\u0000\"}", 422, "validation_failed"));
        c.add(post("amount with a huge exponent", spend, spendBody("1e999999999"), 422,
                "invalid_amount"));
        c.add(post("amount with a tiny exponent", spend, spendBody("1e-999999999"), 422,
                "invalid_amount"));
        c.add(post("trailing tokens", spend, spendBody("\"1.00\"") + " {}", 400,
                "malformed_request"));
        c.add(post("duplicate key", spend, "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"amount\":\"2.00\"}", 400, "malformed_request"));
        c.add(post("single quotes", spend, "{'credit_type':'credits','amount':'1.00'}", 400,
                "malformed_request"));
        c.add(post("array body with a spend", spend, "[" + spendBody("\"1.00\"") + "]", 400,
                "malformed_request"));
        c.add(post("empty array body", grants, "[]", 400, "malformed_request"));
        c.add(post("string body", spend, "\"1.00\"", 400, "malformed_request"));
        c.add(post("null body", spend, "null", 400, "malformed_request"));
        c.add(post("number body", holds, "42", 400, "malformed_request"));
        c.add(post("empty body spend", spend, "", 400, "malformed_request"));
        c.add(post("empty body grant", grants, "", 400, "malformed_request"));
        c.add(post("blank body hold", holds, "  \n ", 400, "malformed_request"));
        c.add(post("empty body capture", "/v1/holds/{released_hold}/capture", "", 400,
                "malformed_request"));
        c.add(new Case("empty body patch", "PATCH", wallet, "", Map.of(), TestServer.KEY, 400,
                "malformed_request"));
        c.add(post("control character in a string", spend,
                "{\"credit_type\":\"credits\",\"amount\":\"1\u0001\"}", 400, "malformed_request"));
        // Wrong JSON types
        c.add(post("amount boolean", spend, spendBody("true"), 400, "malformed_request"));
        c.add(post("amount object", spend, spendBody("{\"v\":1}"), 400, "malformed_request"));
        c.add(post("amount array", spend, spendBody("[1]"), 400, "malformed_request"));
        c.add(post("credit_type number", spend, "{\"credit_type\":5,\"amount\":\"1.00\"}", 400,
                "malformed_request"));
        c.add(post("priority string", grants, grantBody("\"priority\":\"high\""), 400,
                "malformed_request"));
        c.add(post("priority fraction", grants, grantBody("\"priority\":5.5"), 400,
                "malformed_request"));
        c.add(post("metadata string", grants, grantBody("\"metadata\":\"x\""), 400,
                "malformed_request"));
        c.add(post("metadata array", grants, grantBody("\"metadata\":[1]"), 400,
                "malformed_request"));
        c.add(post("reason number", grants, grantBody("\"reason\":42"), 400, "malformed_request"));
        c.add(post("effective_at number", grants, grantBody("\"effective_at\":12345"), 400,
                "malformed_request"));
        c.add(post("expires_in_seconds string", holds, holdBody("\"expires_in_seconds\":\"60\""),
                400, "malformed_request"));
        c.add(post("feature object", spend, "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"feature\":{}}", 400, "malformed_request"));
        c.add(new Case("overdraft_limit boolean", "PATCH", wallet, "{\"overdraft_limit\":true}",
                Map.of(), TestServer.KEY, 400, "malformed_request"));
        // Missing and unknown fields
        c.add(post("spend without amount", spend, "{\"credit_type\":\"credits\"}", 422,
                "validation_failed"));
        c.add(post("spend without credit_type", spend, "{\"amount\":\"1.00\"}", 422,
                "validation_failed"));
        c.add(post("spend of an empty object", spend, "{}", 422, "validation_failed"));
        c.add(post("amount null", spend, spendBody("null"), 422, "validation_failed"));
        c.add(post("grant without source", grants, "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\"}", 422, "validation_failed"));
        c.add(post("grant with unknown source", grants, "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\",\"source\":\"gift\"}", 422, "validation_failed"));
        c.add(post("adjustment without reason", adjustments, "{\"credit_type\":\"credits\","
                + "\"amount\":\"-1.00\"}", 422, "validation_failed"));
        c.add(post("capture without amount", "/v1/holds/{released_hold}/capture", "{}", 422,
                "validation_failed"));
        c.add(new Case("patch without overdraft_limit", "PATCH", wallet, "{}", Map.of(),
                TestServer.KEY, 422, "validation_failed"));
        c.add(post("misspelt field", spend, "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"ammount\":\"1.00\"}", 422, "validation_failed"));
        // Size limits
        c.add(post("body over 64 KiB", spend, "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"reason\":\"" + "x".repeat(70_000) + "\"}", 413, "request_too_large"));
        c.add(post("metadata over 16 KiB", grants, grantBody("\"metadata\":{\"blob\":\""
                + "y".repeat(17_000) + "\"}"), 422, "validation_failed"));
        c.add(post("reason over 1000 characters", spend, "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\",\"reason\":\"" + "r".repeat(1_001) + "\"}", 422,
                "validation_failed"));
        // Customer ids
        c.add(post("customer id of 129 characters", "/v1/customers/" + "a".repeat(129) + "/spend",
                spendBody("\"1.00\""), 422, "validation_failed"));
        c.add(post("customer id with a space", "/v1/customers/bad%20id/spend",
                spendBody("\"1.00\""), 422, "validation_failed"));
        c.add(post("customer id with a slash", "/v1/customers/bad%2Fid/grants",
                grantBody("\"priority\":1"), 422, "validation_failed"));
        c.add(post("customer id with non-ASCII", "/v1/customers/b%C3%A9/spend",
                spendBody("\"1.00\""), 422, "validation_failed"));
        c.add(get("customer id with a dollar", "/v1/customers/bad$id/wallets", 422,
                "validation_failed"));
        c.add(post("empty customer id", "/v1/customers//spend", spendBody("\"1.00\""), 404,
                "not_found"));
        // Cursors
        c.add(get("garbage cursor", history + "?cursor=garbage", 422, "validation_failed"));
        c.add(get("another customer's cursor", history + "?cursor={cursor}", 422,
                "validation_failed"));
        c.add(get("forged cursor", history + "?cursor=" + Base64.getUrlEncoder()
                .withoutPadding().encodeToString("1.deadbeefdeadbeef".getBytes(
                        StandardCharsets.UTF_8)), 422, "validation_failed"));
        c.add(get("cursor of another filter", history + "?type=grant&cursor={cursor}", 422,
                "validation_failed"));
        // Unknown credit types
        c.add(post("spend of unknown type", spend, "{\"credit_type\":\"gold\",\"amount\":\"1\"}",
                422, "unknown_credit_type"));
        c.add(post("grant of unknown type", grants, "{\"credit_type\":\"gold\",\"amount\":\"1\","
                + "\"source\":\"purchase\"}", 422, "unknown_credit_type"));
        c.add(get("wallet of unknown type", W + "/wallets/gold", 422, "unknown_credit_type"));
        c.add(get("history of unknown type", history + "?credit_type=gold", 422,
                "unknown_credit_type"));
        c.add(get("grants of unknown type", grants + "?credit_type=gold", 422,
                "unknown_credit_type"));
        // Amounts
        c.add(post("negative spend", spend, spendBody("\"-1.00\""), 422, "invalid_amount"));
        c.add(post("zero spend", spend, spendBody("\"0\""), 422, "invalid_amount"));
        c.add(post("too precise string", spend, spendBody("\"1.001\""), 422, "invalid_amount"));
        c.add(post("too precise number", spend, spendBody("1.001"), 422, "invalid_amount"));
        c.add(post("huge string", spend, spendBody("\"1000000000001\""), 422, "invalid_amount"));
        c.add(post("huge number", spend, spendBody("1e13"), 422, "invalid_amount"));
        c.add(post("enormous number", grants, "{\"credit_type\":\"credits\",\"amount\":1e400,"
                + "\"source\":\"purchase\"}", 422, "invalid_amount"));
        c.add(post("amount not a number", spend, spendBody("\"ten\""), 422, "invalid_amount"));
        c.add(post("amount with exponent text", spend, spendBody("\"1e2\""), 422,
                "invalid_amount"));
        c.add(post("amount with spaces", spend, spendBody("\" 1.00\""), 422, "invalid_amount"));
        c.add(post("negative grant", grants, "{\"credit_type\":\"credits\",\"amount\":\"-5\","
                + "\"source\":\"purchase\"}", 422, "invalid_amount"));
        c.add(post("zero adjustment", adjustments, "{\"credit_type\":\"credits\",\"amount\":\"0\","
                + "\"reason\":\"typo\"}", 422, "invalid_amount"));
        c.add(post("too precise hold", holds, "{\"credit_type\":\"credits\",\"amount\":\"0.001\"}",
                422, "invalid_amount"));
        c.add(new Case("negative overdraft limit", "PATCH", wallet, "{\"overdraft_limit\":\"-1\"}",
                Map.of(), TestServer.KEY, 422, "invalid_amount"));
        // Times
        c.add(post("unparseable expires_at", grants, grantBody("\"expires_at\":\"tomorrow\""), 422,
                "validation_failed"));
        c.add(post("month 13", grants, grantBody("\"effective_at\":\"2026-13-01T00:00:00Z\""),
                422, "validation_failed"));
        c.add(post("time without zone", grants,
                grantBody("\"expires_at\":\"2099-01-01T00:00:00\""), 422, "validation_failed"));
        c.add(post("expires_at in the past", grants,
                grantBody("\"expires_at\":\"2000-01-01T00:00:00Z\""), 422, "validation_failed"));
        c.add(post("effective_at over ten years ahead", grants,
                grantBody("\"effective_at\":\"2999-01-01T00:00:00Z\""), 422, "validation_failed"));
        c.add(post("scheduled grant expiring before it starts", grants,
                grantBody("\"effective_at\":\"2030-01-02T00:00:00Z\","
                        + "\"expires_at\":\"2030-01-01T00:00:00Z\""), 422, "validation_failed"));
        c.add(get("unparseable at", wallet + "?at=yesterday", 422, "validation_failed"));
        // Ranges of limit, priority, expires_in_seconds and other query values
        c.add(get("limit 0", history + "?limit=0", 422, "validation_failed"));
        c.add(get("limit 501", history + "?limit=501", 422, "validation_failed"));
        c.add(get("limit -1", history + "?limit=-1", 422, "validation_failed"));
        c.add(get("limit not a number", history + "?limit=ten", 422, "validation_failed"));
        c.add(get("limit beyond int", history + "?limit=99999999999", 422, "validation_failed"));
        c.add(get("group weekly", history + "?group=weekly", 422, "validation_failed"));
        c.add(get("type refund", history + "?type=refund", 422, "validation_failed"));
        c.add(get("grant status expired", grants + "?status=expired", 422, "validation_failed"));
        c.add(post("priority 101", grants, grantBody("\"priority\":101"), 422,
                "validation_failed"));
        c.add(post("priority -1", grants, grantBody("\"priority\":-1"), 422, "validation_failed"));
        c.add(post("priority beyond long", grants, grantBody("\"priority\":99999999999999999999"),
                422, "validation_failed"));
        c.add(post("expires_in_seconds 0", holds, holdBody("\"expires_in_seconds\":0"), 422,
                "validation_failed"));
        c.add(post("expires_in_seconds 86401", holds, holdBody("\"expires_in_seconds\":86401"),
                422, "validation_failed"));
        // Idempotency
        c.add(new Case("idempotency key reused for another amount", "POST", spend,
                spendBody("\"2.00\""), Map.of("Idempotency-Key", USED_KEY), TestServer.KEY, 409,
                "idempotency_conflict"));
        c.add(new Case("idempotency key reused for a grant", "POST", grants,
                grantBody("\"priority\":1"), Map.of("Idempotency-Key", USED_KEY), TestServer.KEY,
                409, "idempotency_conflict"));
        c.add(new Case("idempotency key of 256 characters", "POST", spend, spendBody("\"1.00\""),
                Map.of("Idempotency-Key", "k".repeat(256)), TestServer.KEY, 422,
                "validation_failed"));
        // States and unknown ids
        c.add(post("capture a released hold", "/v1/holds/{released_hold}/capture",
                "{\"amount\":\"1.00\"}", 409, "invalid_state"));
        c.add(post("release a released hold", "/v1/holds/{released_hold}/release", null, 409,
                "invalid_state"));
        c.add(post("void a voided grant", "/v1/grants/{voided_grant}/void", "{}", 409,
                "invalid_state"));
        c.add(post("capture an unknown hold", "/v1/holds/hld_nope/capture",
                "{\"amount\":\"1.00\"}", 404, "not_found"));
        c.add(post("release an unknown hold", "/v1/holds/hld_nope/release", null, 404,
                "not_found"));
        c.add(post("void an unknown grant", "/v1/grants/grt_nope/void", "{}", 404, "not_found"));
        c.add(get("an unknown hold", "/v1/holds/hld_nope", 404, "not_found"));
        c.add(get("an unknown grant", "/v1/grants/grt_nope", 404, "not_found"));
        // Not enough credits
        c.add(post("spend more than available", spend, spendBody("\"1000.00\""), 402,
                "insufficient_credits"));
        c.add(post("hold more than available", holds, "{\"credit_type\":\"credits\","
                + "\"amount\":\"99.01\"}", 402, "insufficient_credits"));
        c.add(post("negative adjustment is fine, but too big", adjustments,
                "{\"credit_type\":\"credits\",\"amount\":\"-10000000000000\",\"reason\":\"x\"}",
                422, "invalid_amount"));
        // Metadata that could not be read back, text that could not be stored as sent
        c.add(post("metadata number 1e1000", grants, grantBody("\"metadata\":{\"n\":1e1000}"),
                422, "validation_failed"));
        c.add(post("metadata number 1e400000", grants,
                grantBody("\"metadata\":{\"n\":1e400000}"), 422, "validation_failed"));
        c.add(post("metadata number of 41 digits", spend, "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\",\"metadata\":{\"n\":1" + "0".repeat(40) + "}}", 422,
                "validation_failed"));
        c.add(post("hold metadata number 1e1000", holds, holdBody("\"metadata\":{\"n\":1e1000}"),
                422, "validation_failed"));
        c.add(post("metadata 33 levels deep", grants, grantBody("\"metadata\":{\"d\":"
                + "[".repeat(32) + "1" + "]".repeat(32) + "}"), 422, "validation_failed"));
        c.add(post("metadata 997 arrays deep", grants, grantBody("\"metadata\":{\"d\":"
                + "[".repeat(997) + "]".repeat(997) + "}"), 422, "validation_failed"));
        c.add(post("lone surrogate in reason", grants, grantBody("\"reason\":\"a\\ud800b\""),
                422, "validation_failed"));
        c.add(post("lone surrogate in a metadata key", spend, "{\"credit_type\":\"credits\","
                + "\"amount\":\"1.00\",\"metadata\":{\"\\udc00\":1}}", 400,
                "malformed_request")); // the JSON parser itself refuses it in a name
        c.add(post("lone high surrogate in a metadata key", spend,
                "{\"credit_type\":\"credits\",\"amount\":\"1.00\","
                + "\"metadata\":{\"k\\ud800\":1}}", 400, "malformed_request"));
        c.add(post("lone surrogate in feature", holds, holdBody("\"feature\":\"\\udfff\""), 422,
                "validation_failed"));
        // Times outside years 0001-9999, or finer than a microsecond
        c.add(post("expires_at in year 584556079", grants,
                grantBody("\"expires_at\":\"+584556079-01-01T00:00:00Z\""), 422,
                "validation_failed"));
        c.add(post("effective_at in year -584551900", grants,
                grantBody("\"effective_at\":\"-584551900-01-01T00:00:00Z\""), 422,
                "validation_failed"));
        c.add(post("expires_at in year 294277", grants,
                grantBody("\"expires_at\":\"+294277-01-01T00:00:00Z\""), 422,
                "validation_failed"));
        c.add(post("expires_at in year 10000", grants,
                grantBody("\"expires_at\":\"+10000-01-01T00:00:00Z\""), 422,
                "validation_failed"));
        c.add(get("at in year -4714", wallet + "?at=-4714-01-01T00:00:00Z", 422,
                "validation_failed"));
        c.add(get("at in year 294277", wallet + "?at=%2B294277-01-01T00:00:00Z", 422,
                "validation_failed"));
        // Media types
        c.add(new Case("body without a Content-Type", "POST", spend, spendBody("\"1.00\""),
                Map.of("Content-Type", TestServer.NO_CONTENT_TYPE), TestServer.KEY, 415,
                "unsupported_media_type"));
        c.add(new Case("body as text/plain", "POST", grants, grantBody("\"priority\":1"),
                Map.of("Content-Type", "text/plain"), TestServer.KEY, 415,
                "unsupported_media_type"));
        c.add(new Case("body declared UTF-16", "POST", spend, spendBody("\"1.00\""),
                Map.of("Content-Type", "application/json; charset=utf-16"), TestServer.KEY, 415,
                "unsupported_media_type"));
        c.add(post("body with a byte order mark", spend, "\ufeff" + spendBody("\"1.00\""), 415,
                "unsupported_media_type"));
        c.add(new Case("method override to PATCH", "POST", wallet,
                "{\"overdraft_limit\":\"50.00\"}", Map.of("X-HTTP-Method-Override", "PATCH"),
                TestServer.KEY, 404, "not_found"));
        c.add(new Case("idempotency key with a control character", "POST", spend,
                spendBody("\"1.00\""), Map.of("Idempotency-Key", "a\tb"), TestServer.KEY, 422,
                "validation_failed"));
        // Keys and routes
        c.add(new Case("spend without a key", "POST", spend, spendBody("\"1.00\""), Map.of(),
                null, 401, "unauthorized"));
        c.add(new Case("grant with a wrong key", "POST", grants, grantBody("\"priority\":1"),
                Map.of(), "not-a-key", 401, "unauthorized"));
        c.add(new Case("basic auth instead of bearer", "POST", spend, spendBody("\"1.00\""),
                Map.of("Authorization", "Basic dXNlcjpwYXNz"), null, 401, "unauthorized"));
        c.add(get("unknown route", "/v1/nothing-here", 404, "not_found"));
        c.add(new Case("unknown method on a wallet", "DELETE", wallet, null, Map.of(),
                TestServer.KEY, 404, "not_found"));
        return c.stream();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("cases")
    void badRequest_getsDocumentedProblem_andWritesNothing(Case c) {
        JsonNode before = snapshot();
        Response r = t.send(c.method(), fill(c.path()), c.body() == null ? null : fill(c.body()),
                c.headers(), c.key());
        assertThat(r.status()).as(r.toString()).isEqualTo(c.status());
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = r.json();
        assertThat(problem.path("code").asText()).as(r.toString()).isEqualTo(c.code());
        assertThat(problem.path("status").asInt()).isEqualTo(c.status());
        assertThat(problem.path("type").asText()).isNotEmpty();
        assertThat(problem.path("title").asText()).isNotEmpty();
        assertThat(problem.path("detail").asText()).isNotEmpty();
        if (c.code().equals("validation_failed")) {
            assertThat(problem.path("errors").get(0).path("field").asText()).isNotEmpty();
        }
        if (c.code().equals("insufficient_credits")) {
            assertThat(problem.path("balance").asText()).isEqualTo("99.00");
            assertThat(problem.path("available").asText()).isEqualTo("99.00");
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aBodyInUtf16_orNotUtf8_isRefused_andWritesNothing() {
        JsonNode before = snapshot();
        byte[] utf16 = spendBody("\"1.00\"").getBytes(StandardCharsets.UTF_16LE);
        Response wide = t.sendBytes("POST", W + "/spend", utf16, Map.of(), TestServer.KEY);
        assertThat(wide.status()).as(wide.toString()).isEqualTo(415);
        assertThat(wide.code()).isEqualTo("unsupported_media_type");
        byte[] latin1 = "{\"credit_type\":\"credits\",\"amount\":\"1.00\",\"reason\":\"caf\u00e9\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        Response invalid = t.sendBytes("POST", W + "/spend", latin1, Map.of(), TestServer.KEY);
        assertThat(invalid.status()).as(invalid.toString()).isEqualTo(400);
        assertThat(invalid.code()).isEqualTo("malformed_request");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aDeclaredLengthOf2GiB_gets413AtOnce_asProblemJson() throws Exception {
        for (String length : List.of("2147483648", "99999999999999")) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", t.server.port())) {
                socket.setSoTimeout(5_000);
                String request = "POST " + W + "/spend HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Authorization: Bearer " + TestServer.KEY + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + length
                        + "\r\n\r\n{";
                socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                String answer = new String(socket.getInputStream().readNBytes(2_000),
                        StandardCharsets.UTF_8);
                assertThat(answer).as(length).startsWith("HTTP/1.1 413");
                assertThat(answer).containsIgnoringCase("application/problem+json")
                        .contains("request_too_large");
            }
        }
    }

    @Test
    void oversizeBodies_alwaysGetTheir413_neverAResetConnection() {
        String body = "{\"credit_type\":\"credits\",\"amount\":\"1.00\",\"reason\":\""
                + "x".repeat(300_000) + "\"}";
        for (int i = 0; i < OVERSIZE_ATTEMPTS; i++) {
            Response r = t.post(W + "/spend", body);
            assertThat(r.status()).as("attempt " + i).isEqualTo(413);
            assertThat(r.json().path("code").asText()).isEqualTo("request_too_large");
        }
    }

    /** The victim's wallet, every grant and the whole history, as the API shows them. */
    private static JsonNode snapshot() {
        ObjectNode wallet = (ObjectNode) t.get(W + "/wallets/credits").json();
        wallet.remove("as_of");
        ObjectNode out = TestServer.JSON.createObjectNode();
        out.set("wallet", wallet);
        out.set("grants", t.get(W + "/grants?status=all").json());
        out.set("history", t.get(W + "/transactions?limit=500").json());
        return out;
    }

    private static String fill(String text) {
        return text.replace("{released_hold}", releasedHold).replace("{voided_grant}", voidedGrant)
                .replace("{cursor}", foreignCursor);
    }

    private static Case post(String name, String path, String body, int status, String code) {
        return new Case(name, "POST", path, body, Map.of(), TestServer.KEY, status, code);
    }

    private static Case get(String name, String path, int status, String code) {
        return new Case(name, "GET", path, null, Map.of(), TestServer.KEY, status, code);
    }

    private static String spendBody(String amountJson) {
        return "{\"credit_type\":\"credits\",\"amount\":" + amountJson + "}";
    }

    private static String grantBody(String extra) {
        return "{\"credit_type\":\"credits\",\"amount\":\"1.00\",\"source\":\"purchase\","
                + extra + "}";
    }

    private static String holdBody(String extra) {
        return "{\"credit_type\":\"credits\",\"amount\":\"1.00\"," + extra + "}";
    }
}
