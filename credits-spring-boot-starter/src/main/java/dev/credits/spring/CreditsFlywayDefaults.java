package dev.credits.spring;

import java.io.IOException;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The ledger brings Flyway onto the class path, which switches Boot's own Flyway on for every
 * application with a DataSource. For an application with no migrations of its own (JPA's
 * ddl-auto, Liquibase, SQL scripts) that Flyway has nothing to do, yet refuses a schema that
 * already holds tables ("found non-empty schema without schema history table") and stops the
 * application. So when the application has not configured Boot's Flyway
 * ({@code spring.flyway.enabled}, {@code spring.flyway.locations}) and has nothing in its
 * default location ({@code classpath:db/migration}), this turns it off by default, as it would
 * be without credits. Any setting of the application's own wins. The ledger's migrations are
 * elsewhere ({@code classpath:db/credits}) and run regardless.
 */
public class CreditsFlywayDefaults implements EnvironmentPostProcessor, Ordered {
    static final String SOURCE_NAME = "creditsFlywayDefaults";
    static final String ENABLED = "spring.flyway.enabled";
    static final String LOCATIONS = "spring.flyway.locations";
    static final String DEFAULT_LOCATION_PATTERN = "classpath*:db/migration/**/*";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment,
                                       SpringApplication application) {
        if (environment.containsProperty(ENABLED) || environment.containsProperty(LOCATIONS)) {
            return;
        }
        ClassLoader loader = application == null ? null : application.getClassLoader();
        if (hasApplicationMigrations(loader)) {
            return;
        }
        environment.getPropertySources().addLast(
                new MapPropertySource(SOURCE_NAME, Map.of(ENABLED, "false")));
    }

    static boolean hasApplicationMigrations(ClassLoader loader) {
        try {
            for (var resource : new PathMatchingResourcePatternResolver(loader)
                    .getResources(DEFAULT_LOCATION_PATTERN)) {
                String name = resource.getFilename();
                if (resource.isReadable() && name != null && !name.isEmpty()) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true; // cannot tell: leave Boot's Flyway as Boot decides
        }
    }

    /** After Boot's own processors, so that the application's config files are read already. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
