package io.flinktrickle.connector.trickle.protocol;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * How the server answered a segment's POST (trickle-protocol.md §4, §5.2): read and completed, or
 * released unread. Answers that end publishing on the channel are thrown instead.
 */
enum PostAnswer {
    /** 200: the segment was read and completed. */
    ACCEPTED,
    /** 200 + {@code Connection: close}: a POST released unread (its seq was closed meanwhile). */
    RELEASED;

    /**
     * Classifies a final answer.
     *
     * @throws ChannelClosedException on {@code Lp-Trickle-Closed}
     * @throws ChannelNotFoundException on 404
     * @throws TrickleException on any other status than 200
     */
    static PostAnswer classify(TrickleHttp.Response r, URI channel, long seq)
            throws TrickleException {
        if (r.header(TrickleProtocol.HEADER_CLOSED).isPresent()) {
            throw new ChannelClosedException(channel + " is closed (segment " + seq + ")");
        }
        if (r.status() == 404) {
            throw new ChannelNotFoundException(channel + " not found (segment " + seq + ")");
        }
        if (r.status() != 200) {
            throw new TrickleException(
                    TrickleException.describe(URI.create(channel + "/" + seq), r.status(), null));
        }
        boolean released =
                r.header("Connection").filter(v -> v.equalsIgnoreCase("close")).isPresent();
        return released ? RELEASED : ACCEPTED;
    }

    /**
     * The answer of a POST that already completed, or null when the request failed or the status
     * was an error that retrying may fix; channel-ending answers are thrown.
     */
    static PostAnswer now(CompletableFuture<TrickleHttp.Response> answer, URI channel, long seq)
            throws TrickleException {
        TrickleHttp.Response r;
        try {
            r = answer.getNow(null);
        } catch (RuntimeException e) {
            return null; // the request failed: not a release
        }
        if (r == null) {
            return null;
        }
        try (r) {
            return classify(r, channel, seq);
        } catch (ChannelClosedException | ChannelNotFoundException e) {
            throw e;
        } catch (TrickleException e) {
            return null;
        }
    }
}
