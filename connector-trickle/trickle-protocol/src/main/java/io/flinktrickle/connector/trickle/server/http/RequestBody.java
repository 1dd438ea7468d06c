package io.flinktrickle.connector.trickle.server.http;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request body as a blocking {@link InputStream} over Jetty's {@code read()}/{@code demand()},
 * with a per-read timeout: a read that gets no byte within it throws {@link
 * SocketTimeoutException}, and the stream stays usable (a silent preconnected upload sends its
 * keepalives this way). Jetty's own {@code Content.Source.asInputStream} blocks without limit,
 * hence this class. While {@linkplain #wakeable wakeable}, a read that waits can also be ended from
 * another thread ({@link #wake}, the same exception): a preconnect whose segment is closed
 * elsewhere is answered at once, with no polling.
 *
 * <p>Read by the handler's thread; Jetty's demand callback and {@link #wake} only release a permit.
 */
final class RequestBody extends InputStream {

    private final Request request;
    private final Semaphore available = new Semaphore(0);
    private final AtomicBoolean demandPending = new AtomicBoolean();
    private Content.Chunk chunk;
    private boolean ended;
    private IOException failure;
    private long timeoutMillis;

    /** Whether {@link #wake} ends a waiting read, and whether it did; guarded by this object. */
    private boolean wakeable;

    private boolean woken;

    /** What a woken read throws: an expected event, so no stack trace is taken. */
    private static final class Woken extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        Woken() {
            super("woken");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    RequestBody(Request request) {
        this.request = request;
    }

    /** How long one read may wait for a byte; 0 waits without limit. */
    void setTimeoutMillis(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Turns {@link #wake} on or off; either way a wake not yet seen by a read is forgotten (a read
     * may still return once at once for nothing, harmlessly).
     */
    synchronized void wakeable(boolean on) {
        wakeable = on;
        woken = false;
    }

    /**
     * Any thread: while wakeable, the read that waits (or the next one that would) throws a {@link
     * SocketTimeoutException}; otherwise nothing.
     */
    void wake() {
        synchronized (this) {
            if (!wakeable) {
                return;
            }
            woken = true;
        }
        available.release();
    }

    private synchronized boolean takeWoken() {
        boolean w = woken;
        woken = false;
        return w;
    }

    /** Whether the whole body has been read (so the connection can carry another request). */
    boolean isFinished() {
        return ended;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (ended) {
                return -1;
            }
            if (chunk != null) {
                if (chunk.hasRemaining()) {
                    int n = Math.min(len, chunk.remaining());
                    chunk.getByteBuffer().get(b, off, n);
                    return n;
                }
                boolean last = chunk.isLast();
                chunk.release();
                chunk = null;
                if (last) {
                    ended = true;
                    return -1;
                }
            }
            Content.Chunk next = request.read();
            if (next == null) {
                awaitContent();
                continue;
            }
            if (Content.Chunk.isFailure(next)) {
                Throwable failure = next.getFailure();
                if (!next.isLast() && failure instanceof TimeoutException) {
                    // Jetty's connection idle timeout (the head deadline) is transient for a read:
                    // how long a body may stay silent is the handler's timeout, not Jetty's.
                    continue;
                }
                IOException e =
                        failure instanceof IOException
                                ? (IOException) failure
                                : new IOException("upload failed: " + failure, failure);
                if (next.isLast()) {
                    this.failure = e; // later reads fail alike, never a clean end
                }
                throw e;
            }
            chunk = next;
        }
    }

    private void awaitContent() throws IOException {
        if (demandPending.compareAndSet(false, true)) {
            // Non-blocking: it runs on the selector thread, with no hop through the pool.
            request.demand(
                    Invocable.from(
                            Invocable.InvocationType.NON_BLOCKING,
                            () -> {
                                demandPending.set(false);
                                available.release();
                            }));
        }
        try {
            if (timeoutMillis <= 0) {
                available.acquire();
            } else if (!available.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new SocketTimeoutException("no body byte within " + timeoutMillis + " ms");
            }
            if (takeWoken()) {
                throw new Woken();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a request body");
        }
    }

    @Override
    public void close() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }
}
