package dev.credits.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.server.TestServer.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenApiTest {
    static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options",
            "head", "patch", "trace");
    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void document_listsExactlyTheRegisteredRoutes() {
        Response r = t.send("GET", "/openapi.json", null, Map.of(), null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode doc = r.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.1");
        Set<String> documented = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> {
                if (HTTP_METHODS.contains(method)) {
                    documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            });
        }
        // The portal's and the console's HTML pages are not the JSON API (docs/portal.md).
        assertThat(documented).isEqualTo(new TreeSet<>(t.server.routes().stream()
                .filter(route -> !route.contains(" /portal") && !route.contains(" /admin"))
                .toList()));
        assertThat(documented).contains("POST /v1/customers/{customer}/spend",
                "GET /v1/customers/{customer}/transactions", "POST /v1/holds/{id}/capture");
    }

    @Test
    void theProblemCodes_areExactlyTheOnesTheServerAnswers() {
        JsonNode codes = t.get("/openapi.json").json()
                .at("/components/schemas/Problem/properties/code/enum");
        Set<String> documented = new TreeSet<>();
        codes.forEach(code -> documented.add(code.asText()));
        Set<String> answered = new TreeSet<>();
        for (ProblemCode code : ProblemCode.values()) {
            answered.add(code.wireName);
        }
        assertThat(documented).isEqualTo(answered);
    }

    /**
     * clients/typescript is generated from this document; its openapi.sha256 says from which.
     * A route or shape changed without {@code npm run generate} there fails here, node or not.
     */
    @Test
    void theTypeScriptClient_isGeneratedFromThisDocument() throws Exception {
        Path recorded = Path.of("../clients/typescript/openapi.sha256");
        assertThat(recorded).exists();
        byte[] document;
        try (var in = OpenApiTest.class.getResourceAsStream(OperationsApi.OPENAPI_RESOURCE)) {
            document = in.readAllBytes();
        }
        String hash = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(document));
        assertThat(Files.readString(recorded).split("\\s+")[0])
                .as("run `npm run generate` in clients/typescript and commit what it writes")
                .isEqualTo(hash);
    }

    @Test
    void everyReference_resolves() {
        JsonNode doc = t.get("/openapi.json").json();
        for (String ref : doc.findValuesAsText("$ref")) {
            String[] parts = ref.substring(2).split("/");
            JsonNode node = doc;
            for (String part : parts) {
                node = node.path(part);
            }
            assertThat(node.isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void swaggerUi_isServedAtDocs() {
        Response page = t.get("/docs");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("/openapi.json").contains("swagger-ui-bundle.js");
        Response bundle = t.get("/docs/swagger-ui-bundle.js");
        assertThat(bundle.status()).isEqualTo(200);
        assertThat(bundle.body()).contains("SwaggerUIBundle");
        assertThat(t.get("/docs/swagger-ui.css").status()).isEqualTo(200);
        assertThat(t.get("/docs/secret.txt").status()).isEqualTo(404);
    }
}
