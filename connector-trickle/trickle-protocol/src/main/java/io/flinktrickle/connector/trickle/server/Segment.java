package io.flinktrickle.connector.trickle.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One segment held by the server: an append-only byte buffer in fixed-size pages, readable by any
 * number of subscribers while it is being written.
 *
 * <p>Thread-safe: one publisher thread appends, subscriber threads read and wait, any thread may
 * close it. Close listeners run on the closing thread, outside the lock.
 */
final class Segment {

    private static final int PAGE_BYTES = 64 * 1024;

    final long seq;
    private final List<byte[]> pages = new ArrayList<>();
    private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();
    private long size;
    private boolean closed;

    Segment(long seq) {
        this.seq = seq;
    }

    /**
     * Appends bytes and wakes the readers.
     *
     * @return false when the segment was already closed (the bytes are dropped)
     */
    synchronized boolean append(byte[] b, int off, int len) {
        if (closed) {
            return false;
        }
        while (len > 0) {
            int pageOffset = (int) (size % PAGE_BYTES);
            if (pageOffset == 0) {
                pages.add(new byte[PAGE_BYTES]);
            }
            byte[] page = pages.get(pages.size() - 1);
            int n = Math.min(len, PAGE_BYTES - pageOffset);
            System.arraycopy(b, off, page, pageOffset, n);
            size += n;
            off += n;
            len -= n;
        }
        notifyAll();
        return true;
    }

    /**
     * A complete segment keeps only the bytes it holds: a 1 KB message retained in a ring of
     * hundreds must not pin a 64 KB page each (nothing is appended after the close).
     */
    private void trimLastPage() {
        int used = (int) (size % PAGE_BYTES);
        if (used > 0) {
            int last = pages.size() - 1;
            pages.set(last, java.util.Arrays.copyOf(pages.get(last), used));
        }
    }

    /** Marks the segment complete; readers drain what is stored and then end. Idempotent. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            trimLastPage();
            notifyAll();
        }
        for (Runnable listener : closeListeners) {
            listener.run();
        }
    }

    void addCloseListener(Runnable listener) {
        closeListeners.add(listener);
        if (isClosed()) {
            listener.run();
        }
    }

    void removeCloseListener(Runnable listener) {
        closeListeners.remove(listener);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized long size() {
        return size;
    }

    /** Waits up to {@code millis} until the segment has a byte or is closed. */
    synchronized boolean awaitDataOrClose(long millis) throws InterruptedException {
        if (size == 0 && !closed) {
            wait(millis);
        }
        return size > 0 || closed;
    }

    /**
     * Copies bytes from {@code offset}, waiting up to {@code millis} for them.
     *
     * @return bytes copied; 0 if none arrived in time; -1 when closed and fully read
     */
    synchronized int read(long offset, byte[] dst, long millis) throws InterruptedException {
        if (offset >= size && !closed) {
            wait(millis);
        }
        if (offset >= size) {
            return closed ? -1 : 0;
        }
        int copied = 0;
        while (copied < dst.length && offset < size) {
            byte[] page = pages.get((int) (offset / PAGE_BYTES));
            int pageOffset = (int) (offset % PAGE_BYTES);
            int n =
                    (int)
                            Math.min(
                                    Math.min(dst.length - copied, PAGE_BYTES - pageOffset),
                                    size - offset);
            System.arraycopy(page, pageOffset, dst, copied, n);
            copied += n;
            offset += n;
        }
        return copied;
    }
}
