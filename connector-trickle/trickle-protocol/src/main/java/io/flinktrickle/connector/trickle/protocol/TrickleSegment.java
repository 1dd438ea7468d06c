package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * One segment being received: its seq, the channel's content type and a body that streams the bytes
 * as the server receives them. Read the body to its end (or close the segment to drop it).
 *
 * <p>Read by one thread at a time; {@link #close()} may be called from any thread.
 */
@PublicEvolving
public final class TrickleSegment implements Closeable {

    private final long seq;
    private final String contentType;
    private final long arrivalNanos;
    private final long arrivalMillis;
    private final long liveEdge;
    private final BodyStream body;

    TrickleSegment(
            long seq,
            long liveEdge,
            String contentType,
            InputStream raw,
            Runnable closeTransport,
            long readIdleTimeoutNanos,
            TrickleSubscriberMetrics metrics,
            String description) {
        this.seq = seq;
        this.contentType = contentType;
        this.liveEdge = liveEdge;
        this.arrivalNanos = System.nanoTime();
        this.arrivalMillis = System.currentTimeMillis();
        this.body = new BodyStream(raw, closeTransport, readIdleTimeoutNanos, metrics, description);
    }

    /** The segment's sequence number, as resolved by the server. */
    public long seq() {
        return seq;
    }

    /** The channel's mime type (may be empty). */
    public String contentType() {
        return contentType;
    }

    /** {@link System#nanoTime()} when the response headers (and the first byte) arrived. */
    public long arrivalNanos() {
        return arrivalNanos;
    }

    /** Wall-clock time when the response headers (and the first byte) arrived. */
    public long arrivalMillis() {
        return arrivalMillis;
    }

    /**
     * The server's {@code nextWrite} when this segment was requested ({@code Lp-Trickle-Latest}, or
     * seq + 1 when the server sent none because this is the newest): {@code liveEdge() - seq() - 1}
     * segments were already waiting behind this one.
     */
    public long liveEdge() {
        return liveEdge;
    }

    /** The body; it ends when the publisher completes the segment. */
    public InputStream body() {
        return body;
    }

    /**
     * Reads the whole remaining body into memory.
     *
     * @throws SegmentTooLargeException past {@code maxBytes} (the segment is dropped)
     */
    public byte[] readAll(long maxBytes) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = body.read(buf)) >= 0) {
            total += n;
            if (total > maxBytes) {
                close();
                throw new SegmentTooLargeException(
                        "segment " + seq + " is larger than the limit of " + maxBytes + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** Drops the rest of the body (the connection is closed if it was not read to its end). */
    @Override
    public void close() {
        body.close();
    }

    @Override
    public String toString() {
        return "TrickleSegment{seq=" + seq + ", contentType=" + contentType + "}";
    }

    /**
     * Counts bytes and enforces the read idle timeout: a watchdog closes the transport when one
     * read has been blocked for longer than the timeout, which makes that read fail. Only time
     * spent inside a read counts, so a consumer that is slow between reads (backpressure) never
     * trips it.
     */
    private static final class BodyStream extends FilterInputStream
            implements ReadWatchdog.Watchable {
        private final Runnable closeTransport;
        private final long idleNanos;
        private final TrickleSubscriberMetrics metrics;
        private final String description;

        /** {@link System#nanoTime()} when the read in progress started, 0 when not reading. */
        private volatile long readingSince;

        private volatile boolean timedOut;
        private volatile boolean closed;
        private boolean ended;

        BodyStream(
                InputStream in,
                Runnable closeTransport,
                long idleNanos,
                TrickleSubscriberMetrics metrics,
                String description) {
            super(in);
            this.closeTransport = closeTransport;
            this.idleNanos = idleNanos;
            this.metrics = metrics;
            this.description = description;
        }

        /** Watchdog thread: true when this stream timed out and was closed. */
        @Override
        public boolean checkIdle(long now) {
            long since = readingSince;
            if (since != 0 && now - since > idleNanos) {
                timedOut = true;
                closeTransport.run();
                return true;
            }
            return false;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (closed) {
                throw new IOException(description + ": segment closed");
            }
            int n;
            boolean watched = idleNanos > 0;
            try {
                if (watched) {
                    readingSince = Math.max(1, System.nanoTime());
                    ReadWatchdog.watch(this);
                }
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw failure(e);
            } finally {
                readingSince = 0;
                if (watched) {
                    ReadWatchdog.unwatch(this);
                }
            }
            if (timedOut) {
                throw failure(null);
            }
            if (n < 0) {
                ended = true;
            } else {
                metrics.bytes.add(n);
            }
            return n;
        }

        private IOException failure(IOException cause) {
            if (timedOut) {
                return new TrickleException(
                        description + ": no byte for " + idleNanos / 1_000_000 + " ms", cause);
            }
            return new TrickleException(description + ": body failed: " + cause, cause);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            closeTransport.run();
        }
    }
}
