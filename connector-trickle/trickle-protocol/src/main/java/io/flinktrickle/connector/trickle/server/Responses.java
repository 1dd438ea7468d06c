package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.server.http.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answers the trickle routes share, worded as go-livepeer's (plain text, as Go's {@code
 * http.Error}), and the header names and values they set.
 *
 * <p>Stateless; runs on the connection thread of the request it answers.
 */
final class Responses {

    static final String CONTENT_TYPE = "Content-Type";
    static final String CONNECTION = "Connection";

    /** {@link #CONNECTION}'s value when the server closes the connection after its answer. */
    static final String CLOSE = "close";

    static final int OK = 200;
    static final int BAD_REQUEST = 400;
    static final int NOT_FOUND = 404;
    static final int PAYLOAD_TOO_LARGE = 413;
    static final int SERVER_ERROR = 500;
    static final int UNAVAILABLE = 503;

    private Responses() {}

    /** 200 with no body. */
    static void ok(HttpExchange ex, Map<String, String> headers) throws IOException {
        ex.respond(OK, headers, new byte[0]);
    }

    /** 404 for a channel that does not exist, closing the connection if asked. */
    static void streamNotFound(HttpExchange ex, boolean closeConnection) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        if (closeConnection) {
            h.put(CONNECTION, CLOSE);
        }
        text(ex, h, NOT_FOUND, "Stream not found");
    }

    /** 503 when the channel limit is reached; the connection closes. */
    static void tooManyChannels(HttpExchange ex, Exception e) throws IOException {
        ex.closeConnectionAfterResponse();
        text(ex, UNAVAILABLE, e.getMessage());
    }

    static void text(HttpExchange ex, int status, String body) throws IOException {
        text(ex, new LinkedHashMap<>(), status, body);
    }

    static void text(HttpExchange ex, Map<String, String> h, int status, String body)
            throws IOException {
        ex.respondText(status, h, body);
    }
}
