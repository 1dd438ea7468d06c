package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.server.http.HttpExchange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The publisher's side of a channel: {@code POST /{ch}/{seq}} (a possibly preconnected upload that
 * waits for its first bytes, then stores its body as it arrives) and {@code DELETE /{ch}/{seq}}
 * (closes a segment, which releases its preconnect); docs: trickle-protocol.md §5. An upload that
 * breaks leaves its segment open (500); one whose segment was closed before its first byte is
 * released (200 + {@code Connection: close}).
 *
 * <p>Each call runs on the connection thread of its request and may block: a POST until its body
 * ends (or its segment is closed meanwhile: the close wakes its read).
 */
final class SegmentWrites {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentWrites.class);

    /** What a released upload may still send before its connection closes (as Go's server). */
    private static final long RELEASED_DRAIN_BYTES = 256 * 1024;

    /** The chunk an upload is read in. */
    private static final int UPLOAD_BUFFER_BYTES = 32 * 1024;

    /** The chunk a released upload's body is dropped in. */
    private static final int DRAIN_BUFFER_BYTES = 8 * 1024;

    /** The shortest read timeout while a silent upload waits (a due keepalive goes out first). */
    private static final long MIN_WAIT_NANOS = 1_000_000;

    /** {@link #awaitFirstBytes}: the body ended with no byte. */
    private static final int BODY_EMPTY = -1;

    /** {@link #awaitFirstBytes}: the segment was closed by someone else (a released preconnect). */
    private static final int SEGMENT_RELEASED = -2;

    /** {@link #awaitFirstBytes}: the upload failed before its first byte. */
    private static final int UPLOAD_FAILED = -3;

    private static final String CONTENT_LENGTH = "Content-Length";

    private final ChannelStore store;
    private final MissingChannels missing;
    private final boolean autocreate;
    private final long maxSegmentBytes;
    private final Duration keepalive;
    private final Duration bodyIdleTimeout;
    private final LongSupplier clock;

    SegmentWrites(
            ChannelStore store,
            MissingChannels missing,
            boolean autocreate,
            long maxSegmentBytes,
            Duration keepalive,
            Duration bodyIdleTimeout,
            LongSupplier clock) {
        this.store = store;
        this.missing = missing;
        this.autocreate = autocreate;
        this.maxSegmentBytes = maxSegmentBytes;
        this.keepalive = keepalive;
        this.bodyIdleTimeout = bodyIdleTimeout;
        this.clock = clock;
    }

    // ---------------------------------------------------------------- POST /{ch}/{seq}

    void post(HttpExchange ex, String name, long seq) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            if (!autocreate) {
                missing.answer(ex, true);
                return;
            }
            try {
                channel =
                        store.getOrCreate(
                                name, ex.request().header(Responses.CONTENT_TYPE).orElse(""));
            } catch (ChannelStore.TooManyChannelsException e) {
                Responses.tooManyChannels(ex, e);
                return;
            } catch (IllegalArgumentException badType) {
                ex.closeConnectionAfterResponse();
                Responses.text(ex, Responses.BAD_REQUEST, "Invalid mime type");
                return;
            }
        }
        if (seq < TrickleProtocol.SEQ_NEXT) {
            ex.closeConnectionAfterResponse();
            Responses.text(ex, Responses.BAD_REQUEST, "Invalid idx");
            return;
        }
        long resolved = channel.resolveWriteSeq(seq);
        Map<String, String> h = new LinkedHashMap<>();
        h.put(TrickleProtocol.HEADER_SEQ, Long.toString(resolved));
        long declared = contentLength(ex);
        if (declared > maxSegmentBytes) {
            ex.closeConnectionAfterResponse();
            Responses.text(ex, h, Responses.PAYLOAD_TOO_LARGE, tooLarge());
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
        byte[] buf = new byte[UPLOAD_BUFFER_BYTES];
        int n;
        channel.waitingWrites.incrementAndGet();
        try {
            n = awaitFirstBytes(ex, segment, body, buf);
        } finally {
            channel.waitingWrites.decrementAndGet();
        }
        if (n == SEGMENT_RELEASED) {
            released(ex, channel, h);
            return;
        }
        if (n == UPLOAD_FAILED) {
            abortedUpload(ex, name, resolved, null);
            return;
        }
        channel.markStarted(resolved, clock.getAsLong());
        if (n == BODY_EMPTY) {
            // A body that ended with no byte: an empty segment (current semantics advance
            // nextWrite).
            segment.close();
            Responses.ok(ex, h);
            return;
        }
        ex.setReadTimeout(bodyIdleTimeout);
        long written = 0;
        try {
            while (n >= 0) {
                if (written + n > maxSegmentBytes) {
                    segment.close();
                    ex.closeConnectionAfterResponse();
                    Responses.text(ex, h, Responses.PAYLOAD_TOO_LARGE, tooLarge());
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
        Responses.ok(ex, h);
    }

    /**
     * Waits for the first body bytes of a possibly preconnected POST, sending an interim 100 every
     * {@code keepalive} while it is silent, and answering as soon as its segment is closed
     * meanwhile (DELETE of the seq or the channel, a reset, ring eviction): the close wakes the
     * read, which waits for nothing else between keepalives.
     *
     * @return bytes read; {@link #BODY_EMPTY} for a body that ended empty; {@link
     *     #SEGMENT_RELEASED} when the segment was closed by someone else (a released preconnect);
     *     {@link #UPLOAD_FAILED} when the upload failed
     */
    private int awaitFirstBytes(HttpExchange ex, Segment segment, InputStream body, byte[] buf)
            throws IOException {
        long keepaliveNanos = keepalive.toNanos();
        long nextKeepalive = clock.getAsLong() + keepaliveNanos;
        Runnable wake = ex::wakeBodyRead;
        ex.bodyReadWakeable(true);
        segment.addCloseListener(wake);
        try {
            while (true) {
                if (segment.isClosed()) {
                    return SEGMENT_RELEASED;
                }
                long untilKeepalive = nextKeepalive - clock.getAsLong();
                ex.setReadTimeout(Duration.ofNanos(Math.max(MIN_WAIT_NANOS, untilKeepalive)));
                try {
                    int n = body.read(buf);
                    return segment.isClosed() ? SEGMENT_RELEASED : (n < 0 ? BODY_EMPTY : n);
                } catch (SocketTimeoutException silentOrWoken) {
                    if (clock.getAsLong() - nextKeepalive >= 0 && !segment.isClosed()) {
                        ex.sendContinue();
                        nextKeepalive += keepaliveNanos;
                    }
                } catch (IOException e) {
                    if (segment.isClosed()) {
                        return SEGMENT_RELEASED;
                    }
                    LOG.debug("upload ended before its first byte: {}", e.toString());
                    return UPLOAD_FAILED;
                }
            }
        } finally {
            segment.removeCloseListener(wake);
            ex.bodyReadWakeable(false);
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
            Responses.text(ex, Responses.SERVER_ERROR, "Server error");
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
        h.put(Responses.CONNECTION, Responses.CLOSE);
        if (channel.isClosed()) {
            h.put(TrickleProtocol.HEADER_CLOSED, TrickleProtocol.CLOSED_VALUE);
        }
        Responses.ok(ex, h);
        ex.setReadTimeout(bodyIdleTimeout);
        InputStream body = ex.request().body();
        byte[] buf = new byte[DRAIN_BUFFER_BYTES];
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
            return Long.parseLong(ex.request().header(CONTENT_LENGTH).orElse("-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- DELETE /{ch}/{seq}

    /** Closes the segment: its subscribers see its end, its preconnected upload is released. */
    void deleteSegment(HttpExchange ex, String name, long seq) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            missing.answer(ex, false);
            return;
        }
        if (!channel.closeSegment(seq)) {
            Responses.text(ex, Responses.BAD_REQUEST, "Nonexistent segment");
            return;
        }
        Responses.ok(ex, new LinkedHashMap<>());
    }
}
