package io.flinktrickle.connector.trickle.protocol;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /**
     * Waits for the server's answer to a segment's POST and classifies it; terminal answers
     * (channel closed or gone, too large, other errors) are thrown. The wait is {@code timeout}
     * after the upload's last byte: a slow uplink may still be sending the segment's tail.
     */
    static PostAnswer await(TrickleHttp.Upload upload, URI channel, long seq, Duration timeout)
            throws IOException {
        URI uri = URI.create(channel + "/" + seq);
        long taken = -1;
        while (true) {
            try (TrickleHttp.Response r =
                    upload.response().get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return classify(r, channel, seq);
            } catch (TimeoutException e) {
                long now = upload.bytesTaken();
                if (now <= taken) {
                    upload.response().cancel(true);
                    throw new TrickleException(
                            uri + ": no answer within " + timeout + " after its last byte");
                }
                taken = now;
            } catch (ExecutionException e) {
                throw new TrickleException(uri + " failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(uri + ": interrupted");
            }
        }
    }
}
