package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.server.http.HttpExchange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The per-segment operations: publish ({@code POST /{ch}/{seq}}), subscribe ({@code GET}), {@code
 * GET /{ch}/next} and {@code DELETE /{ch}/{seq}} (docs: trickle-protocol.md §5).
 *
 * <p>Each call runs on the connection thread of its request and may block: a GET until its segment
 * has data, a POST until its body ends.
 */
final class SegmentHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentHandlers.class);

    /** How often a waiting GET checks that its client is still there. */
    private static final long PEER_CHECK_MILLIS = 1_000;

    /** How often a silent upload checks whether its segment was closed meanwhile. */
    private static final long RELEASE_CHECK_MILLIS = 200;

    /** What a released upload may still send before its connection closes (as Go's server). */
    private static final long RELEASED_DRAIN_BYTES = 256 * 1024;

    /** What a held request for a missing channel is told to wait ({@code Retry-After}). */
    private static final long HOLD_RETRY_AFTER_SECONDS = 1;

    private final ChannelStore store;
    private final boolean autocreate;
    private final long maxSegmentBytes;
    private final Duration keepalive;
    private final Duration bodyIdleTimeout;
    private final LongSupplier clock;

    /** While set, a request for a channel that does not exist is told to come back (503). */
    private volatile boolean holdMissing;

    SegmentHandlers(
            ChannelStore store,
            boolean autocreate,
            long maxSegmentBytes,
            Duration keepalive,
            Duration bodyIdleTimeout,
            LongSupplier clock) {
        this.store = store;
        this.autocreate = autocreate;
        this.maxSegmentBytes = maxSegmentBytes;
        this.keepalive = keepalive;
        this.bodyIdleTimeout = bodyIdleTimeout;
        this.clock = clock;
    }

    // ---------------------------------------------------------------- GET /{ch}/{seq}

    void get(HttpExchange ex, String name, long seq) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            missing(ex, false);
            return;
        }
        if (seq < TrickleProtocol.SEQ_CURRENT) {
            // The reference servers crash on seq <= -3 (negative ring index); we answer 400.
            text(ex, 400, "Invalid idx");
            return;
        }
        Channel.ReadTarget target = channel.forRead(seq);
        if (target.segment == null) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put(TrickleProtocol.HEADER_LATEST, Long.toString(target.latest));
            h.put(TrickleProtocol.HEADER_SEQ, Long.toString(target.resolvedSeq));
            if (target.channelClosed) {
                // A short race while the channel is being deleted: go-livepeer answers 200.
                h.put(TrickleProtocol.HEADER_CLOSED, TrickleProtocol.CLOSED_VALUE);
                text(ex, h, 200, "Entry not found");
            } else {
                text(ex, h, TrickleProtocol.STATUS_SEGMENT_NOT_FOUND, "Entry not found");
            }
            return;
        }
        Segment segment = target.segment;
        try {
            // Long poll: no status line until the first byte exists or the segment closes.
            channel.waitingReads.incrementAndGet();
            try {
                while (!segment.awaitDataOrClose(PEER_CHECK_MILLIS)) {
                    if (ex.isPeerGone()) {
                        ex.abandon();
                        return;
                    }
                }
            } finally {
                channel.waitingReads.decrementAndGet();
            }
            Map<String, String> h = new LinkedHashMap<>();
            if (segment.size() == 0) {
                h.put(TrickleProtocol.HEADER_SEQ, Long.toString(segment.seq));
                h.put(TrickleProtocol.HEADER_LATEST, Long.toString(target.latest));
                if (channel.isClosed()) {
                    h.put(TrickleProtocol.HEADER_CLOSED, TrickleProtocol.CLOSED_VALUE);
                }
                ex.respond(200, h, new byte[0]);
                return;
            }
            if (!channel.mimeType.isEmpty()) {
                h.put("Content-Type", channel.mimeType);
            }
            h.put(TrickleProtocol.HEADER_SEQ, Long.toString(segment.seq));
            if (segment.seq != target.latest) {
                h.put(TrickleProtocol.HEADER_LATEST, Long.toString(target.latest));
            }
            streamSegment(ex, segment, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("server shutting down");
        }
    }

    private static void streamSegment(HttpExchange ex, Segment segment, Map<String, String> h)
            throws IOException, InterruptedException {
        if ("HEAD".equals(ex.request().method())) {
            ex.respondStreamed(200, h).close(); // headers only: the connection is free again
            return;
        }
        try (OutputStream body = ex.respondStreamed(200, h)) {
            byte[] buf = new byte[64 * 1024];
            long offset = 0;
            while (true) {
                int n = segment.read(offset, buf, PEER_CHECK_MILLIS);
                if (n < 0) {
                    break;
                }
                if (n == 0 && !ex.isConnectionOpen()) {
                    ex.abandon(); // the client left, or the server stops: no end is signalled
                    return;
                }
                if (n > 0) {
                    body.write(buf, 0, n);
                    body.flush();
                    offset += n;
                }
            }
        }
    }

    // ---------------------------------------------------------------- GET /{ch}/next

    void next(HttpExchange ex, String name) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            missing(ex, false);
            return;
        }
        long next = channel.nextWrite();
        Map<String, String> h = new LinkedHashMap<>();
        h.put(TrickleProtocol.HEADER_LATEST, Long.toString(next));
        if (channel.isClosed()) {
            h.put(TrickleProtocol.HEADER_CLOSED, TrickleProtocol.CLOSED_VALUE);
        }
        h.put("Content-Type", "text/plain; charset=utf-8");
        ex.respond(200, h, Long.toString(next).getBytes(StandardCharsets.US_ASCII));
    }

    // ---------------------------------------------------------------- DELETE /{ch}/{seq}

    void deleteSegment(HttpExchange ex, String name, long seq) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            missing(ex, false);
            return;
        }
        if (!channel.closeSegment(seq)) {
            text(ex, 400, "Nonexistent segment");
            return;
        }
        ex.respond(200, new LinkedHashMap<>(), new byte[0]);
    }

    // ---------------------------------------------------------------- POST /{ch}/{seq}

    void post(HttpExchange ex, String name, long seq) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            if (!autocreate) {
                missing(ex, true);
                return;
            }
            try {
                channel = store.getOrCreate(name, ex.request().header("Content-Type").orElse(""));
            } catch (ChannelStore.TooManyChannelsException e) {
                tooManyChannels(ex, e);
                return;
            } catch (IllegalArgumentException badType) {
                ex.closeConnectionAfterResponse();
                text(ex, 400, "Invalid mime type");
                return;
            }
        }
        if (seq < TrickleProtocol.SEQ_NEXT) {
            ex.closeConnectionAfterResponse();
            text(ex, 400, "Invalid idx");
            return;
        }
        long resolved = channel.resolveWriteSeq(seq);
        Map<String, String> h = new LinkedHashMap<>();
        h.put(TrickleProtocol.HEADER_SEQ, Long.toString(resolved));
        long declared = contentLength(ex);
        if (declared > maxSegmentBytes) {
            ex.closeConnectionAfterResponse();
            text(ex, h, 413, tooLarge());
            return;
        }
        boolean reset =
                ex.request()
                        .header(TrickleProtocol.HEADER_RESET)
                        .filter(v -> !v.isEmpty())
                        .isPresent();
        Segment segment = channel.forWrite(resolved, reset);
        if (segment.isClosed() || channel.isClosed()) {
            released(ex, channel, h);
            return;
        }
        InputStream body = ex.request().body();
        byte[] buf = new byte[32 * 1024];
        int n;
        channel.waitingWrites.incrementAndGet();
        try {
            n = awaitFirstBytes(ex, segment, body, buf);
        } finally {
            channel.waitingWrites.decrementAndGet();
        }
        if (n == -2) {
            released(ex, channel, h);
            return;
        }
        if (n == -3) {
            abortedUpload(ex, name, resolved, null);
            return;
        }
        channel.markStarted(resolved, clock.getAsLong());
        if (n < 0) {
            // A body that ended with no byte: an empty segment (current semantics advance
            // nextWrite).
            segment.close();
            ex.respond(200, h, new byte[0]);
            return;
        }
        ex.setReadTimeout(bodyIdleTimeout);
        long written = 0;
        try {
            while (n >= 0) {
                if (written + n > maxSegmentBytes) {
                    segment.close();
                    ex.closeConnectionAfterResponse();
                    text(ex, h, 413, tooLarge());
                    return;
                }
                segment.append(buf, 0, n);
                written += n;
                n = body.read(buf);
            }
        } catch (IOException e) {
            abortedUpload(ex, name, resolved, e);
            return;
        }
        segment.close();
        ex.respond(200, h, new byte[0]);
    }

    /**
     * Waits for the first body bytes of a possibly preconnected POST, sending an interim 100 every
     * {@code keepalive} while it is silent, and checking every {@link #RELEASE_CHECK_MILLIS}
     * whether its segment was closed meanwhile (DELETE of the seq or the channel, a reset, ring
     * eviction).
     *
     * @return bytes read; -1 for a body that ended empty; -2 when the segment was closed by someone
     *     else (a released preconnect); -3 when the upload failed
     */
    private int awaitFirstBytes(HttpExchange ex, Segment segment, InputStream body, byte[] buf)
            throws IOException {
        ex.setReadTimeout(Duration.ofMillis(RELEASE_CHECK_MILLIS));
        long keepaliveNanos = keepalive.toNanos();
        long nextKeepalive = clock.getAsLong() + keepaliveNanos;
        while (true) {
            if (segment.isClosed()) {
                return -2;
            }
            try {
                int n = body.read(buf);
                return segment.isClosed() ? -2 : n;
            } catch (SocketTimeoutException silent) {
                if (clock.getAsLong() - nextKeepalive >= 0) {
                    ex.sendContinue();
                    nextKeepalive += keepaliveNanos;
                }
            } catch (IOException e) {
                if (segment.isClosed()) {
                    return -2;
                }
                LOG.debug("upload ended before its first byte: {}", e.toString());
                return -3;
            }
        }
    }

    /**
     * The publisher went away mid-body: go-livepeer answers 500 and leaves the segment open, so
     * subscribers wait for a DELETE of the seq, a reset, ring reuse or the channel's end.
     */
    private static void abortedUpload(HttpExchange ex, String name, long seq, IOException cause) {
        LOG.info(
                "upload to {}/{} aborted: {}",
                name,
                seq,
                cause == null ? "no data" : cause.toString());
        ex.closeConnectionAfterResponse();
        try {
            text(ex, 500, "Server error");
        } catch (IOException | IllegalStateException unreachable) {
            // The client is gone; nobody reads this answer.
            ex.abandon();
        }
    }

    /**
     * A preconnect whose segment closed before any byte: 200 + {@code Connection: close}, the body
     * is not stored. Like Go's server, up to {@link #RELEASED_DRAIN_BYTES} of the body are still
     * read and dropped before the connection closes, so that a client busy sending its body (the
     * JDK's reads the answer only afterwards) sees this answer and not a broken pipe.
     */
    private void released(HttpExchange ex, Channel channel, Map<String, String> h)
            throws IOException {
        h.put("Connection", "close");
        if (channel.isClosed()) {
            h.put(TrickleProtocol.HEADER_CLOSED, TrickleProtocol.CLOSED_VALUE);
        }
        ex.respond(200, h, new byte[0]);
        ex.setReadTimeout(bodyIdleTimeout);
        InputStream body = ex.request().body();
        byte[] buf = new byte[8 * 1024];
        long drained = 0;
        try {
            int n;
            while (drained < RELEASED_DRAIN_BYTES && (n = body.read(buf)) >= 0) {
                drained += n;
            }
        } catch (IOException gone) {
            // The client gave up; the connection closes either way.
        }
    }

    private String tooLarge() {
        return "Segment larger than " + maxSegmentBytes + " bytes";
    }

    private static long contentLength(HttpExchange ex) {
        try {
            return Long.parseLong(ex.request().header("Content-Length").orElse("-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    void holdMissing(boolean hold) {
        holdMissing = hold;
    }

    /** A channel that does not exist: 404, or 503 with {@code Retry-After} while held. */
    private void missing(HttpExchange ex, boolean closeConnection) throws IOException {
        if (!holdMissing) {
            streamNotFound(ex, closeConnection);
            return;
        }
        Map<String, String> h = new LinkedHashMap<>();
        if (closeConnection) {
            h.put("Connection", "close");
        }
        h.put("Retry-After", Long.toString(HOLD_RETRY_AFTER_SECONDS));
        text(ex, h, 503, "Channels are being restored; try again");
    }

    // ---------------------------------------------------------------- shared responses

    static void streamNotFound(HttpExchange ex, boolean closeConnection) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        if (closeConnection) {
            h.put("Connection", "close");
        }
        text(ex, h, 404, "Stream not found");
    }

    static void tooManyChannels(HttpExchange ex, Exception e) throws IOException {
        ex.closeConnectionAfterResponse();
        text(ex, 503, e.getMessage());
    }

    static void text(HttpExchange ex, int status, String body) throws IOException {
        text(ex, new LinkedHashMap<>(), status, body);
    }

    static void text(HttpExchange ex, Map<String, String> h, int status, String body)
            throws IOException {
        ex.respondText(status, h, body);
    }
}
