package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A bearer token for one trickle server: the clients send {@code Authorization: Bearer <token>} on
 * every request to a URL under {@link #server()} (same scheme, host and port, path below its path)
 * and on no other request, so a client that also talks to other servers (an orchestrator's) never
 * hands them the token. The embedded server checks it with {@code
 * TrickleServerBuilder#accessToken}.
 *
 * <p>The token never appears in {@link #toString()} or in an exception message. Immutable and
 * serializable (it travels inside a job's serialized sources and sinks, never in its
 * configuration).
 */
@PublicEvolving
public final class AccessToken implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The shortest token: 22 base64 characters carry 128 bits. */
    public static final int MIN_LENGTH = 22;

    /** The longest token (a header line stays small). */
    public static final int MAX_LENGTH = 512;

    /** RFC 6750's {@code b64token}: what may follow {@code Bearer } in the header. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private static final String SCHEME = "Bearer ";

    private final URI server;
    private final String token;

    private AccessToken(URI server, String token) {
        this.server = server;
        this.token = token;
    }

    /**
     * The token {@code token} for the server at {@code server} (e.g. {@code http://host:2940/}).
     *
     * @throws IllegalArgumentException when the server is not an http(s) URL with a host, or the
     *     token is not valid ({@link #check}); the message never holds the token
     */
    public static AccessToken forServer(URI server, String token) {
        Objects.requireNonNull(server, "server is required but not provided");
        String scheme =
                server.getScheme() == null ? "" : server.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || server.getHost() == null) {
            throw new IllegalArgumentException(
                    "an access token's server must be an http(s) URL with a host but is " + server);
        }
        check(token);
        String path =
                server.getPath() == null || server.getPath().isEmpty() ? "/" : server.getPath();
        URI normalized =
                URI.create(
                        scheme
                                + "://"
                                + server.getRawAuthority().toLowerCase(Locale.ROOT)
                                + (path.endsWith("/") ? path : path + "/"));
        return new AccessToken(normalized, token);
    }

    /**
     * Checks a token: {@value #MIN_LENGTH} to {@value #MAX_LENGTH} characters of RFC 6750's {@code
     * b64token} alphabet ({@code A-Z a-z 0-9 - . _ ~ + /}, then {@code =} padding).
     *
     * @throws IllegalArgumentException saying what is wrong, without the token
     */
    public static void check(String token) {
        if (token == null) {
            throw new IllegalArgumentException("the access token is required but not provided");
        }
        if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "the access token must have "
                            + MIN_LENGTH
                            + " to "
                            + MAX_LENGTH
                            + " characters but has "
                            + token.length());
        }
        if (!B64TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException(
                    "the access token may hold only A-Z a-z 0-9 - . _ ~ + / (then = padding)");
        }
    }

    /**
     * Whether {@code value} (an {@code Authorization} header, or null) carries {@code token} as a
     * bearer token; compared in constant time ({@link MessageDigest#isEqual}).
     */
    public static boolean matches(byte[] token, String value) {
        if (value == null || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] given = value.substring(SCHEME.length()).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(token, given);
    }

    /** The server this token is for, normalized: {@code scheme://authority/path/}. */
    public URI server() {
        return server;
    }

    /** Whether a request to {@code uri} carries this token: a URL of {@link #server()}. */
    public boolean appliesTo(URI uri) {
        if (uri == null || uri.getScheme() == null || uri.getRawAuthority() == null) {
            return false;
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        return uri.getScheme().equalsIgnoreCase(server.getScheme())
                && uri.getRawAuthority().equalsIgnoreCase(server.getRawAuthority())
                && (path + "/").startsWith(server.getPath());
    }

    /** The {@code Authorization} header's value. */
    String headerValue() {
        return SCHEME + token;
    }

    /** The token itself, for a process that must hand it on (a job's arguments); never log it. */
    public String secret() {
        return token;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AccessToken)) {
            return false;
        }
        AccessToken other = (AccessToken) o;
        return server.equals(other.server)
                && MessageDigest.isEqual(
                        token.getBytes(StandardCharsets.US_ASCII),
                        other.token.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public int hashCode() {
        return server.hashCode(); // not the token's: a hash is a hint about it
    }

    @Override
    public String toString() {
        return "AccessToken[server=" + server + ", token=(hidden)]";
    }
}
