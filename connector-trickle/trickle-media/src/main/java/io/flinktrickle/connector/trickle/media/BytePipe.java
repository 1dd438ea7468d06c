package io.flinktrickle.connector.trickle.media;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A bounded byte queue read as an {@link InputStream}: the channel's I/O thread writes segment
 * bytes as they arrive, FFmpeg's demuxer reads them on the decoder thread. Why not {@code
 * PipedInputStream}: its reader polls in 1 s steps unless the writer flushes, and it breaks when
 * the writing thread changes (every channel reconnect); this one wakes the reader on every write
 * and reports when the reader is starved (waiting with nothing left), which tells the writer that
 * everything it wrote has been consumed. A read wakes the writer only when the writer waits for
 * room: FFmpeg reads a few KiB at a time, and waking the writer on each read costs two context
 * switches per read.
 */
final class BytePipe extends InputStream {

    private final long capacity;
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private byte[] head;
    private int headPos;
    private long queued;
    private boolean ended;
    private boolean closed;
    private boolean starved;

    /** The writer waits in {@link #offer} for room. */
    private boolean writerWaiting;

    BytePipe(long capacity) {
        this.capacity = capacity;
    }

    /** Queues a copy of the bytes; waits up to {@code millis} for room. False if there was none. */
    synchronized boolean offer(byte[] b, int off, int len, long millis)
            throws InterruptedException, IOException {
        if (closed || ended) {
            // The decoder stopped (it failed, or reached the end): these bytes have no reader.
            throw new IOException("the decoder stopped reading");
        }
        if (queued > 0 && queued + len > capacity) {
            writerWaiting = true;
            try {
                wait(millis);
            } finally {
                writerWaiting = false;
            }
            if (closed) {
                throw new IOException("the decoder stopped reading");
            }
            if (queued > 0 && queued + len > capacity) {
                return false;
            }
        }
        byte[] copy = new byte[len];
        System.arraycopy(b, off, copy, 0, len);
        chunks.add(copy);
        queued += len;
        starved = false;
        notifyAll();
        return true;
    }

    /** No more bytes will come: the reader sees end of stream after the queued bytes. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /**
     * Waits up to {@code millis} until the reader has consumed everything and is waiting for more
     * (or the pipe ended or closed).
     */
    synchronized boolean awaitStarved(long millis) throws InterruptedException {
        if (!(starved && queued == 0) && !closed) {
            wait(millis);
        }
        return (starved && queued == 0) || closed;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (head == null || headPos == head.length) {
            head = chunks.poll();
            headPos = 0;
            if (head != null) {
                continue;
            }
            if (ended || closed) {
                return -1;
            }
            starved = true;
            notifyAll();
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("decoder stopped");
            }
        }
        int n = Math.min(len, head.length - headPos);
        System.arraycopy(head, headPos, b, off, n);
        headPos += n;
        queued -= n;
        if (writerWaiting) {
            notifyAll(); // there may be room now
        }
        return n;
    }

    @Override
    public synchronized void close() {
        closed = true;
        chunks.clear();
        queued = 0;
        notifyAll();
    }
}
