package io.flinktrickle.connector.trickle.protocol;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One segment being received: its seq, the channel's content type and a body that streams the bytes
 * as the server receives them. Read the body to its end (or close the segment to drop it).
 *
 * <p>Read by one thread at a time; {@link #close()} may be called from any thread.
 */
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
     * Counts bytes and enforces the read idle timeout: a watchdog thread shared by all segments
     * closes the transport when a read has been blocked for longer than the timeout, which makes
     * the blocked read fail.
     */
    private static final class BodyStream extends FilterInputStream {
        private static final Set<BodyStream> WATCHED = ConcurrentHashMap.newKeySet();
        private static final ScheduledExecutorService WATCHDOG =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "trickle-read-watchdog");
                            t.setDaemon(true);
                            return t;
                        });

        static {
            WATCHDOG.scheduleWithFixedDelay(BodyStream::checkAll, 250, 250, TimeUnit.MILLISECONDS);
        }

        private final Runnable closeTransport;
        private final long idleNanos;
        private final TrickleSubscriberMetrics metrics;
        private final String description;
        private volatile long lastActivity = System.nanoTime();
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
            if (idleNanos > 0) {
                WATCHED.add(this);
            }
        }

        private static void checkAll() {
            long now = System.nanoTime();
            for (BodyStream s : WATCHED) {
                if (now - s.lastActivity > s.idleNanos) {
                    s.timedOut = true;
                    WATCHED.remove(s);
                    s.closeTransport.run();
                }
            }
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
            try {
                lastActivity = System.nanoTime();
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw failure(e);
            }
            if (timedOut) {
                throw failure(null);
            }
            lastActivity = System.nanoTime();
            if (n < 0) {
                ended = true;
                WATCHED.remove(this);
            } else {
                metrics.bytes.add(n);
            }
            return n;
        }

        private IOException failure(IOException cause) {
            WATCHED.remove(this);
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
            WATCHED.remove(this);
            closeTransport.run();
        }
    }
}
