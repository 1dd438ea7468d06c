package io.flinktrickle.connector.trickle.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * The continuous stream a grabber's FFmpeg demuxer reads: the bodies of a channel's segments one
 * after the other, each read straight from its network stream on the grabber thread. The channel's
 * I/O thread hands a body over ({@link #supply}) and waits until the demuxer has read it to its end
 * and asks for more ({@link #awaitConsumed}): by then every frame the segment completes has been
 * decoded. A body whose read fails (a dropped connection, the read watchdog) counts as read, its
 * failure kept for the I/O thread ({@link #takeFailure}).
 *
 * <p>Why not a byte queue between the two threads: a live segment arrives in many small chunks (a
 * publisher sends each frame's bytes when they exist), and a queue costs a copy and a wake-up of
 * the grabber thread per chunk, on top of the I/O thread's own wake-up.
 *
 * <p>It also counts the bytes the demuxer took and keeps the first {@code keep} of them until the
 * stream opened ({@link #opened}), for an input too short so far for FFmpeg to open.
 *
 * <p>Threads: {@link #read} on the grabber thread; {@link #supply}, {@link #awaitConsumed}, {@link
 * #end} and the getters on the I/O thread; {@link #close} from any. Guarded by this object's lock,
 * except the read of a body itself (one thread).
 */
final class SegmentBodies extends InputStream {

    private final int keep;
    private InputStream body;
    private IOException failure;
    private boolean ended;
    private boolean closed;

    /** The grabber is in a read of {@link #body} (waiting for the network, not decoding). */
    private boolean reading;

    /** When the demuxer last got bytes, or the body was supplied. */
    private long progressNanos = System.nanoTime();

    private long taken;
    private ByteArrayOutputStream opening = new ByteArrayOutputStream();

    /**
     * @param keep how many of the first bytes to keep until {@link #opened}
     */
    SegmentBodies(int keep) {
        this.keep = keep;
    }

    /** The next body to read (I/O thread, after the previous one was consumed). */
    synchronized void supply(InputStream next) throws IOException {
        if (closed || ended) {
            throw new IOException("the decoder stopped reading");
        }
        body = next;
        failure = null;
        progressNanos = System.nanoTime();
        notifyAll();
    }

    /**
     * Waits up to {@code millis} until the body supplied last was read to its end or failed (the
     * demuxer asks for more), or this was closed.
     */
    synchronized boolean awaitConsumed(long millis) throws InterruptedException {
        if (body != null && !closed) {
            wait(millis);
        }
        return body == null || closed;
    }

    /** The body in hand is given up on: it is not read any further (its read in progress ends). */
    synchronized void detach(InputStream given) {
        if (body == given) {
            body = null;
            notifyAll();
        }
    }

    /**
     * For how long the demuxer, with a body to read, has not read it: time spent decoding (0 while
     * a read waits for the network, or with no body in hand).
     */
    synchronized long busyNanos() {
        return body == null || reading ? 0 : System.nanoTime() - progressNanos;
    }

    /** The failure of the last body's read, once; null if it was read to its end. */
    synchronized IOException takeFailure() {
        IOException f = failure;
        failure = null;
        return f;
    }

    /** No more bodies: the demuxer sees the end of the stream after the one in hand. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** The stream opened (grabber thread): the first bytes are no longer kept. */
    synchronized void opened() {
        opening = null;
    }

    /** Bytes the demuxer took. */
    synchronized long taken() {
        return taken;
    }

    /** The first bytes the demuxer took (at most {@code keep}), while the stream has not opened. */
    synchronized byte[] openingBytes() {
        return opening == null ? new byte[0] : opening.toByteArray();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            InputStream in;
            synchronized (this) {
                while (body == null) {
                    if (closed || ended) {
                        return -1;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("decoder stopped");
                    }
                }
                if (closed) {
                    return -1;
                }
                in = body;
                reading = true;
            }
            int n;
            IOException failed = null;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                n = -1;
                failed = e;
            }
            synchronized (this) {
                reading = false;
                progressNanos = System.nanoTime();
                if (n > 0) {
                    taken += n;
                    if (opening != null && opening.size() < keep) {
                        opening.write(b, off, Math.min(n, keep - opening.size()));
                    }
                    return n;
                }
                if (n < 0 && body == in) {
                    body = null; // read: the I/O thread goes on
                    failure = failed;
                    notifyAll();
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
