package dev.credits.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every class of address a webhook must not reach, and the URLs it must not take. */
class UrlGuardTest {
    final UrlGuard strict = new UrlGuard(false);

    @Test
    void eachNonPublicAddressClass_isRefused_namingWhatItIs() {
        List<String[]> refused = List.of(
                new String[] {"http://127.0.0.1/h", "loopback"},
                new String[] {"http://127.8.9.10/h", "loopback"},
                new String[] {"http://localhost:8080/h", "loopback"}, // a name that resolves in
                new String[] {"http://[::1]/h", "loopback"},
                new String[] {"http://0.0.0.0/h", "unspecified"},
                new String[] {"http://10.1.2.3/h", "private"},
                new String[] {"http://172.16.0.1/h", "private"},
                new String[] {"http://172.31.255.255/h", "private"},
                new String[] {"http://192.168.1.1/h", "private"},
                new String[] {"http://[fc00::1]/h", "unique local"},
                new String[] {"http://[fd12:3456::1]/h", "unique local"},
                new String[] {"http://169.254.169.254/latest/meta-data", "link-local"},
                new String[] {"http://[fe80::1]/h", "link-local"},
                new String[] {"http://100.64.0.1/h", "carrier-grade NAT"},
                new String[] {"http://224.0.0.1/h", "multicast"},
                new String[] {"http://[ff02::1]/h", "multicast"},
                new String[] {"http://240.0.0.1/h", "reserved"},
                new String[] {"http://198.18.0.1/h", "reserved"},
                new String[] {"http://[::ffff:127.0.0.1]/h", "loopback"},
                new String[] {"http://[::ffff:10.0.0.1]/h", "private"},
                new String[] {"http://[64:ff9b::a9fe:a9fe]/h", "link-local"},
                new String[] {"http://[64:ff9b:1::a00:1]/h", "local-use NAT64"},
                new String[] {"http://[2002:7f00:1::1]/h", "loopback (6to4)"},
                new String[] {"http://[2002:a00:1::1]/h", "private (6to4)"},
                new String[] {"http://[2001:0:4136:e378::1]/h", "Teredo"});
        for (String[] c : refused) {
            assertThatThrownBy(() -> strict.requireAllowed(c[0])).as(c[0])
                    .isInstanceOf(ValidationException.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void publicAddresses_areAllowed_andPrivateOnesWhenTheConfigSaysSo() {
        for (String url : List.of("https://93.184.215.14/hooks", "http://8.8.8.8:8080/x",
                "https://[2606:4700::1111]/h", "http://172.32.0.1/h", "http://100.128.0.1/h")) {
            assertThat(strict.requireAllowed(url).toString()).isEqualTo(url);
        }
        UrlGuard open = new UrlGuard(true);
        assertThat(open.requireAllowed("http://127.0.0.1:9/h").getPort()).isEqualTo(9);
        assertThat(open.requireAllowed("http://169.254.169.254/").getHost())
                .isEqualTo("169.254.169.254");
    }

    @Test
    void urlsThatAreNotPlainHttp_areRefused_whateverTheConfig() {
        UrlGuard open = new UrlGuard(true);
        for (String url : List.of("", "ftp://example.com/", "file:///etc/passwd",
                "gopher://127.0.0.1/", "http://user:pass@example.com/", "http:///nohost",
                "https://example.com/#frag", "javascript:alert(1)", "http://exa mple.com/",
                "https://example.com/" + "a".repeat(UrlGuard.URL_LENGTH_MAX))) {
            assertThatThrownBy(() -> open.requireAllowed(url)).as(url)
                    .isInstanceOf(ValidationException.class);
        }
        assertThatThrownBy(() -> open.requireAllowed(null))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void aHostThatDoesNotResolve_isRefused() {
        assertThatThrownBy(() -> strict.requireAllowed("https://no-such-host.invalid/h"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("does not resolve");
    }
}
