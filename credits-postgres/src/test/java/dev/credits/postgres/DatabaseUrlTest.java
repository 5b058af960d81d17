package dev.credits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A database URL is logged and printed without its passwords. */
class DatabaseUrlTest {
    @Test
    void redact_hidesEveryPasswordParameter_andKeepsTheRest() {
        assertThat(Database.redact("jdbc:postgresql://db:5432/credits?user=app&password=hun;ter2"
                + "&sslmode=require&sslpassword=keypass&Password=X"))
                .isEqualTo("jdbc:postgresql://db:5432/credits?user=app&password=***"
                        + "&sslmode=require&sslpassword=***&Password=***");
        assertThat(Database.redact("jdbc:postgresql://db/credits?password=&user=app"))
                .isEqualTo("jdbc:postgresql://db/credits?password=***&user=app");
        assertThat(Database.redact("postgresql://app:hun/t@r2@db:5432/credits"))
                .isEqualTo("postgresql://app:***@db:5432/credits");
    }

    @Test
    void redact_leavesAUrlWithoutSecretsAlone() {
        String url = "jdbc:postgresql://a:5432,b:5432/credits?targetServerType=primary&user=app";
        assertThat(Database.redact(url)).isEqualTo(url);
        String email = "jdbc:postgresql://db:5432?user=ops@corp.example";
        assertThat(Database.redact(email)).isEqualTo(email);
        assertThat(Database.redact(null)).isNull();
    }
}
