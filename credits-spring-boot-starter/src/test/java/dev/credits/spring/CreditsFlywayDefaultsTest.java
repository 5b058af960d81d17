package dev.credits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Boot's Flyway is turned off only for an application that has no use for it. */
class CreditsFlywayDefaultsTest {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("app", properties));
        return environment;
    }

    @Test
    void noMigrationsAndNoFlywaySettings_turnsBootsFlywayOff() {
        StandardEnvironment environment = environment(Map.of());
        new CreditsFlywayDefaults().postProcessEnvironment(environment, null);
        assertThat(environment.getProperty(CreditsFlywayDefaults.ENABLED)).isEqualTo("false");
    }

    @Test
    void theApplicationsOwnSettings_win() {
        for (Map<String, Object> settings : java.util.List.<Map<String, Object>>of(
                Map.of(CreditsFlywayDefaults.ENABLED, "true"),
                Map.of(CreditsFlywayDefaults.LOCATIONS, "classpath:db/app-migration"))) {
            StandardEnvironment environment = environment(settings);
            new CreditsFlywayDefaults().postProcessEnvironment(environment, null);
            assertThat(environment.getPropertySources()
                    .contains(CreditsFlywayDefaults.SOURCE_NAME)).as(settings.toString()).isFalse();
        }
    }

    @Test
    void migrationsInTheDefaultLocation_leaveBootsFlywayOn(@TempDir Path classes)
            throws Exception {
        Files.createDirectories(classes.resolve("db/migration"));
        Files.writeString(classes.resolve("db/migration/V1__app.sql"), "select 1;");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            SpringApplication application = new SpringApplication();
            application.setResourceLoader(new org.springframework.core.io.DefaultResourceLoader(
                    loader));
            StandardEnvironment environment = environment(Map.of());
            new CreditsFlywayDefaults().postProcessEnvironment(environment, application);
            assertThat(environment.getProperty(CreditsFlywayDefaults.ENABLED)).isNull();
        }
    }
}
