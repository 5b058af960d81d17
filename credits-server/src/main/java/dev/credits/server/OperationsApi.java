package dev.credits.server;

import dev.credits.Credits;
import dev.credits.NotFoundException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The routes for operators: health, metrics, the OpenAPI document and Swagger UI. */
final class OperationsApi {
    static final String OPENAPI_RESOURCE = "/dev/credits/server/openapi.yml";
    static final String DOCS_PAGE_RESOURCE = "/dev/credits/server/docs.html";
    static final String SWAGGER_POM = "/META-INF/maven/org.webjars/swagger-ui/pom.properties";
    static final String SWAGGER_ROOT = "/META-INF/resources/webjars/swagger-ui/";
    /** The files of the Swagger UI web jar that {@code /docs} serves, with their types. */
    static final Map<String, String> SWAGGER_FILES = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png",
            "favicon-16x16.png", "image/png");

    private final Credits credits;
    private final ServerMetrics metrics;
    private final String openApiJson;
    private final String docsPage;
    private final String swaggerVersion;
    private final Map<String, byte[]> swaggerFiles = new ConcurrentHashMap<>();

    OperationsApi(Credits credits, ServerMetrics metrics) {
        this.credits = credits;
        this.metrics = metrics;
        this.openApiJson = Views.write(loadOpenApi());
        this.docsPage = new String(resource(DOCS_PAGE_RESOURCE), StandardCharsets.UTF_8);
        this.swaggerVersion = swaggerVersion();
    }

    /** The OpenAPI document, read from its YAML source (a resource beside this class). */
    static Map<String, Object> loadOpenApi() {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try (InputStream in = OperationsApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing");
            }
            return yaml.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void health(Context ctx) {
        if (!credits.isHealthy()) {
            Problems.write(ctx, "unavailable", "the database cannot be reached", Map.of());
            return;
        }
        LedgerApi.json(ctx, 200, Map.of("status", "ok"));
    }

    void metrics(Context ctx) {
        ctx.status(200);
        ctx.contentType(ServerMetrics.PROMETHEUS_CONTENT_TYPE);
        ctx.result(metrics.scrape());
    }

    void openApi(Context ctx) {
        ctx.status(200);
        ctx.contentType(LedgerApi.JSON);
        ctx.result(openApiJson);
    }

    void docs(Context ctx) {
        ctx.status(200);
        ctx.contentType("text/html; charset=utf-8");
        ctx.result(docsPage);
    }

    void docsFile(Context ctx) {
        String file = ctx.pathParam("file");
        String type = SWAGGER_FILES.get(file);
        if (type == null) {
            throw new NotFoundException("no file " + file + " in the API docs");
        }
        byte[] bytes = swaggerFiles.computeIfAbsent(file,
                name -> resource(SWAGGER_ROOT + swaggerVersion + "/" + name));
        ctx.status(200);
        ctx.contentType(type);
        ctx.header("Cache-Control", "public, max-age=86400");
        ctx.result(bytes);
    }

    private static String swaggerVersion() {
        Properties properties = new Properties();
        try (InputStream in = OperationsApi.class.getResourceAsStream(SWAGGER_POM)) {
            if (in == null) {
                throw new IllegalStateException("the Swagger UI web jar is not on the class path");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version");
    }

    private static byte[] resource(String path) {
        try (InputStream in = OperationsApi.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
