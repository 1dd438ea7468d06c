package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.server.http.HttpExchange;
import io.flinktrickle.connector.trickle.server.http.HttpHandler;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Routes trickle requests under the base path, as go-livepeer's {@code ConfigureServer} does:
 * {@code POST|DELETE /{ch}}, {@code GET /{ch}/next}, {@code GET|HEAD|POST|DELETE /{ch}/{seq}};
 * other methods on those shapes get 405 with {@code Allow}, other paths 404. With an access token,
 * a request without {@code Authorization: Bearer <token>} gets 401 before any of that.
 *
 * <p>Runs on the connection threads of {@link
 * io.flinktrickle.connector.trickle.server.http.JettyHttpServer}.
 */
final class TrickleRequestHandler implements HttpHandler {

    private static final String ALLOW_CHANNEL = "DELETE, POST";
    private static final String ALLOW_SEGMENT = "DELETE, GET, HEAD, POST";
    private static final String AUTHORIZATION = "Authorization";

    /** The body of every 401 (plus the newline Go's {@code http.Error} adds). */
    private static final String UNAUTHORIZED_BODY = "Unauthorized";

    private final String basePath;
    private final SegmentReads reads;
    private final SegmentWrites writes;
    private final ChannelStore store;
    private final boolean autocreate;

    /** The access token's bytes, or null: every request is served. */
    private final byte[] accessToken;

    TrickleRequestHandler(
            String basePath,
            ChannelStore store,
            boolean autocreate,
            SegmentReads reads,
            SegmentWrites writes,
            String accessToken) {
        this.basePath = basePath;
        this.store = store;
        this.autocreate = autocreate;
        this.reads = reads;
        this.writes = writes;
        this.accessToken =
                accessToken == null ? null : accessToken.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (accessToken != null
                && !AccessToken.matches(
                        accessToken, ex.request().header(AUTHORIZATION).orElse(null))) {
            unauthorized(ex); // before anything is looked at: nothing read, nothing stored
            return;
        }
        String path = ex.request().rawPath();
        String method = ex.request().method();
        if (!path.startsWith(basePath)) {
            notFoundPage(ex);
            return;
        }
        String[] parts = path.substring(basePath.length()).split("/", -1);
        if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
            notFoundPage(ex);
            return;
        }
        String channel;
        try {
            channel = URLDecoder.decode(parts[0].replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            Responses.text(ex, 400, "Invalid channel name");
            return;
        }
        if (parts.length == 1) {
            switch (method) {
                case "POST":
                    createChannel(ex, channel);
                    return;
                case "DELETE":
                    deleteChannel(ex, channel);
                    return;
                default:
                    methodNotAllowed(ex, ALLOW_CHANNEL);
                    return;
            }
        }
        String seqText = parts[1];
        if (seqText.equals(io.flinktrickle.connector.trickle.protocol.TrickleProtocol.NEXT_PATH)
                && (method.equals("GET") || method.equals("HEAD"))) {
            reads.next(ex, channel);
            return;
        }
        switch (method) {
            case "GET":
            case "HEAD":
            case "POST":
            case "DELETE":
                break;
            default:
                methodNotAllowed(ex, ALLOW_SEGMENT);
                return;
        }
        long seq;
        try {
            seq = Long.parseLong(seqText);
        } catch (NumberFormatException e) {
            Responses.text(ex, 400, "Invalid idx");
            return;
        }
        switch (method) {
            case "GET":
            case "HEAD":
                reads.get(ex, channel, seq);
                return;
            case "POST":
                writes.post(ex, channel, seq);
                return;
            default:
                writes.deleteSegment(ex, channel, seq);
        }
    }

    private void createChannel(HttpExchange ex, String name) throws IOException {
        if (!autocreate) {
            Responses.streamNotFound(ex, true);
            return;
        }
        String mime =
                ex.request()
                        .header(
                                io.flinktrickle.connector.trickle.protocol.TrickleProtocol
                                        .HEADER_EXPECT_CONTENT)
                        .orElse("");
        try {
            store.getOrCreate(name, mime);
        } catch (ChannelStore.TooManyChannelsException e) {
            Responses.tooManyChannels(ex, e);
            return;
        } catch (IllegalArgumentException badType) {
            Responses.text(ex, 400, "Invalid mime type");
            return;
        }
        ex.respond(200, new LinkedHashMap<>(), new byte[0]);
    }

    private void deleteChannel(HttpExchange ex, String name) throws IOException {
        if (!store.delete(name)) {
            Responses.text(ex, 400, "Invalid stream");
            return;
        }
        ex.respond(200, new LinkedHashMap<>(), new byte[0]);
    }

    /** 401 with a fixed body (a missing and a wrong token look alike); the connection closes. */
    private static void unauthorized(HttpExchange ex) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("WWW-Authenticate", "Bearer");
        ex.closeConnectionAfterResponse();
        ex.respondText(401, headers, UNAUTHORIZED_BODY);
    }

    private static void notFoundPage(HttpExchange ex) throws IOException {
        Responses.text(ex, 404, "404 page not found");
    }

    private static void methodNotAllowed(HttpExchange ex, String allow) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Allow", allow);
        ex.respondText(405, headers, "Method Not Allowed");
    }
}
