package io.flinktrickle.connector.trickle.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed HTTP/1.1 request head plus its body stream.
 *
 * <p>Created and used by the connection thread that read it; not thread-safe.
 */
public final class HttpRequest {

    static final int MAX_LINE_BYTES = 8 * 1024;
    static final int MAX_HEADERS = 100;

    private final String method;
    private final String rawPath;
    private final String version;
    private final List<String[]> headers;
    private InputStream body = InputStream.nullInputStream();

    private HttpRequest(String method, String rawPath, String version, List<String[]> headers) {
        this.method = method;
        this.rawPath = rawPath;
        this.version = version;
        this.headers = headers;
    }

    /** Stands in for a request whose head could not be parsed, to answer it with 400. */
    static HttpRequest malformed() {
        return new HttpRequest("INVALID", "/", "HTTP/1.1", List.of());
    }

    /**
     * Reads one request head from {@code in}.
     *
     * @return the request, or {@code null} when the peer closed the connection before a new request
     *     started (normal end of a keep-alive connection)
     * @throws HttpProtocolException when the head is malformed or too large
     */
    static HttpRequest readHead(InputStream in) throws IOException {
        String requestLine = readLine(in, true);
        if (requestLine == null) {
            return null;
        }
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new HttpProtocolException("malformed request line");
        }
        List<String[]> headers = new ArrayList<>();
        while (true) {
            String line = readLine(in, false);
            if (line == null) {
                throw new HttpProtocolException("connection closed inside the request head");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || headers.size() >= MAX_HEADERS) {
                throw new HttpProtocolException("malformed or too many header fields");
            }
            headers.add(
                    new String[] {
                        line.substring(0, colon).trim(), line.substring(colon + 1).trim()
                    });
        }
        String target = parts[1];
        int query = target.indexOf('?');
        String path = query >= 0 ? target.substring(0, query) : target;
        return new HttpRequest(parts[0], path, parts[2], headers);
    }

    /** Reads a CRLF (or LF) terminated ISO-8859-1 line; {@code null} at EOF before any byte. */
    static String readLine(InputStream in, boolean eofAllowed) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (sb.length() == 0 && eofAllowed) {
                    return null;
                }
                if (sb.length() == 0) {
                    return null;
                }
                throw new HttpProtocolException("connection closed inside a line");
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE_BYTES) {
                throw new HttpProtocolException("line longer than " + MAX_LINE_BYTES + " bytes");
            }
            sb.append((char) b);
        }
    }

    public String method() {
        return method;
    }

    /** The request path, still percent-encoded, without the query string. */
    public String rawPath() {
        return rawPath;
    }

    public boolean isHttp11() {
        return "HTTP/1.1".equals(version);
    }

    /** The first value of a header (case-insensitive name). */
    public Optional<String> header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return Optional.of(h[1]);
            }
        }
        return Optional.empty();
    }

    boolean headerContainsToken(String name, String token) {
        String lower = token.toLowerCase(Locale.ROOT);
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                for (String part : h[1].split(",")) {
                    if (part.trim().toLowerCase(Locale.ROOT).equals(lower)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** -1 when the request has no Content-Length. */
    long contentLength() throws HttpProtocolException {
        Optional<String> cl = header("Content-Length");
        if (cl.isEmpty()) {
            return -1;
        }
        try {
            long n = Long.parseLong(cl.get());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new HttpProtocolException("invalid Content-Length");
        }
    }

    boolean isChunked() {
        return headerContainsToken("Transfer-Encoding", "chunked");
    }

    /**
     * The request body, decoded (chunked or Content-Length). Reading past its end returns -1; the
     * handler need not drain it, the connection does.
     */
    public InputStream body() {
        return body;
    }

    void setBody(InputStream body) {
        this.body = body;
    }

    @Override
    public String toString() {
        return method + " " + rawPath;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
