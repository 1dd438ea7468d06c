package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.server.http.HttpExchange;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The subscriber's side of a channel: {@code GET|HEAD /{ch}/{seq}} (a long poll until the segment
 * has its first byte or closes, then the segment streamed as it is written) and {@code GET
 * /{ch}/next} (docs: trickle-protocol.md §5).
 *
 * <p>Each call runs on the connection thread of its request and may block: a GET until its segment
 * has data, then until it is complete (or the client leaves, checked every {@link
 * #PEER_CHECK_MILLIS}).
 */
final class SegmentReads {

    /** How often a waiting GET checks that its client is still there. */
    private static final long PEER_CHECK_MILLIS = 1_000;

    /** The chunk a segment is streamed in. */
    private static final int STREAM_BUFFER_BYTES = 64 * 1024;

    private static final String HEAD = "HEAD";
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final ChannelStore store;
    private final MissingChannels missing;

    SegmentReads(ChannelStore store, MissingChannels missing) {
        this.store = store;
        this.missing = missing;
    }

    // ---------------------------------------------------------------- GET /{ch}/{seq}

    void get(HttpExchange ex, String name, long seq) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            missing.answer(ex, false);
            return;
        }
        if (seq < TrickleProtocol.SEQ_CURRENT) {
            // The reference servers crash on seq <= -3 (negative ring index); we answer 400.
            Responses.text(ex, Responses.BAD_REQUEST, "Invalid idx");
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
                Responses.text(ex, h, Responses.OK, "Entry not found");
            } else {
                Responses.text(ex, h, TrickleProtocol.STATUS_SEGMENT_NOT_FOUND, "Entry not found");
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
                Responses.ok(ex, h);
                return;
            }
            if (!channel.mimeType.isEmpty()) {
                h.put(Responses.CONTENT_TYPE, channel.mimeType);
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

    /** The segment's bytes as they are written, until it is complete (a HEAD: headers only). */
    private static void streamSegment(HttpExchange ex, Segment segment, Map<String, String> h)
            throws IOException, InterruptedException {
        if (HEAD.equals(ex.request().method())) {
            ex.respondStreamed(Responses.OK, h).close(); // headers only: the connection is free
            return;
        }
        try (OutputStream body = ex.respondStreamed(Responses.OK, h)) {
            byte[] buf = new byte[STREAM_BUFFER_BYTES];
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

    /** The channel's next write seq, as the body and as {@code Lp-Trickle-Latest}. */
    void next(HttpExchange ex, String name) throws IOException {
        Channel channel = store.get(name);
        if (channel == null) {
            missing.answer(ex, false);
            return;
        }
        long next = channel.nextWrite();
        Map<String, String> h = new LinkedHashMap<>();
        h.put(TrickleProtocol.HEADER_LATEST, Long.toString(next));
        if (channel.isClosed()) {
            h.put(TrickleProtocol.HEADER_CLOSED, TrickleProtocol.CLOSED_VALUE);
        }
        h.put(Responses.CONTENT_TYPE, TEXT_PLAIN);
        ex.respond(Responses.OK, h, Long.toString(next).getBytes(StandardCharsets.US_ASCII));
    }
}
