package dev.credits.webhooks;

import dev.credits.ValidationException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a webhook may be sent. A URL is {@code http} or {@code https} with a host, no user
 * information and at most {@link #URL_LENGTH_MAX} characters; unless private networks are allowed,
 * every address its host resolves to must be public: loopback, private (RFC 1918, unique-local
 * IPv6), link-local (which holds the cloud metadata address 169.254.169.254), carrier-grade NAT,
 * multicast, reserved and unspecified addresses are refused, also when they are written inside an
 * IPv4-mapped or NAT64 IPv6 address. Checked when an endpoint is saved and again, after a fresh
 * DNS lookup, before every delivery (a name that later resolves inward is refused then).
 */
final class UrlGuard {
    static final int URL_LENGTH_MAX = 2_048;

    private final boolean allowPrivateNetworks;

    UrlGuard(boolean allowPrivateNetworks) {
        this.allowPrivateNetworks = allowPrivateNetworks;
    }

    /** The URL, checked; throws {@link ValidationException} (field {@code url}) if refused. */
    URI requireAllowed(String url) {
        URI uri = parse(url);
        String refusal = refusal(uri);
        if (refusal != null) {
            throw new ValidationException("url", refusal);
        }
        return uri;
    }

    static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new ValidationException("url", "is required");
        }
        if (url.length() > URL_LENGTH_MAX) {
            throw new ValidationException("url", "must be at most " + URL_LENGTH_MAX
                    + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ValidationException("url", "is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ValidationException("url", "must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ValidationException("url", "must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new ValidationException("url", "must not carry a user name or password");
        }
        if (uri.getRawFragment() != null) {
            throw new ValidationException("url", "must not have a #fragment");
        }
        return uri;
    }

    /** Why the URL may not be delivered to now, or null when it may. */
    String refusal(URI uri) {
        if (allowPrivateNetworks) {
            return null;
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return "the host " + host + " does not resolve";
        }
        for (InetAddress address : addresses) {
            String kind = privateKind(address);
            if (kind != null) {
                return "the host " + host + " resolves to " + address.getHostAddress() + ", a "
                        + kind + " address; webhooks go to public addresses only (set"
                        + " webhooks.allow_private_networks for a receiver on this network)";
            }
        }
        return null;
    }

    /** What kind of non-public address this is, or null for a public one. */
    static String privateKind(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLinkLocalAddress()) {
            return "link-local";
        }
        if (address.isSiteLocalAddress()) {
            return "private";
        }
        if (address.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return ipv4Kind(b, 0);
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return "private (unique local)";
            }
            if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return ipv4Kind(b, 12); // ::ffff:a.b.c.d
            }
            if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                    && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12)) {
                return ipv4Kind(b, 12); // 64:ff9b::a.b.c.d (NAT64)
            }
            if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                    && (b[3] & 0xff) == 0x9b && (b[4] & 0xff) == 0x00 && (b[5] & 0xff) == 0x01) {
                return "reserved (local-use NAT64)"; // 64:ff9b:1::/48 may wrap anything
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
                String wrapped = ipv4Kind(b, 2); // 2002:aabb:ccdd::/48 (6to4)
                return wrapped != null ? wrapped + " (6to4)" : null;
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0 && b[3] == 0) {
                return "reserved (Teredo)"; // 2001::/32 tunnels to any IPv4 address
            }
            if (isZero(b, 0, 12)) {
                return "reserved (IPv4-compatible)";
            }
        }
        return null;
    }

    private static String ipv4Kind(byte[] b, int at) {
        int a0 = b[at] & 0xff;
        int a1 = b[at + 1] & 0xff;
        if (a0 == 127) {
            return "loopback";
        }
        if (a0 == 0) {
            return "unspecified";
        }
        if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)) {
            return "private";
        }
        if (a0 == 169 && a1 == 254) {
            return "link-local";
        }
        if (a0 == 100 && a1 >= 64 && a1 <= 127) {
            return "carrier-grade NAT";
        }
        if (a0 == 192 && a1 == 0 && (b[at + 2] & 0xff) == 0) {
            return "reserved";
        }
        if (a0 == 198 && (a1 == 18 || a1 == 19)) {
            return "reserved (benchmarking)";
        }
        if (a0 >= 224) {
            return a0 < 240 ? "multicast" : "reserved";
        }
        return null;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
