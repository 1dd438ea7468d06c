package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.server.http.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to a request for a segment of a channel that does not exist: {@code 404}, or, while
 * missing channels are held ({@link TrickleServer#holdMissingChannels}), {@code 503} with {@code
 * Retry-After} so that clients come back rather than take the channel for deleted.
 *
 * <p>{@link #hold} from any thread (a volatile flag); {@link #answer} on the connection thread of
 * the request it answers.
 */
final class MissingChannels {

    /** What a held request for a missing channel is told to wait ({@code Retry-After}). */
    private static final long HOLD_RETRY_AFTER_SECONDS = 1;

    private static final String RETRY_AFTER = "Retry-After";

    /** While set, a request for a channel that does not exist is told to come back (503). */
    private volatile boolean held;

    void hold(boolean hold) {
        held = hold;
    }

    /** A channel that does not exist: 404, or 503 with {@code Retry-After} while held. */
    void answer(HttpExchange ex, boolean closeConnection) throws IOException {
        if (!held) {
            Responses.streamNotFound(ex, closeConnection);
            return;
        }
        Map<String, String> h = new LinkedHashMap<>();
        if (closeConnection) {
            h.put(Responses.CONNECTION, Responses.CLOSE);
        }
        h.put(RETRY_AFTER, Long.toString(HOLD_RETRY_AFTER_SECONDS));
        Responses.text(ex, h, Responses.UNAVAILABLE, "Channels are being restored; try again");
    }
}
