package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server state of one channel, with go-livepeer v0.9 ("current") semantics: a ring of the last
 * {@code retained} segments (slot = seq mod retained), {@code nextWrite}, the last write time, the
 * mime type fixed at creation and the closed flag.
 *
 * <p>Thread-safe; segments are closed outside the channel lock so that their close listeners (which
 * answer waiting requests) never run under it.
 */
final class Channel {

    /** What a GET resolves to. */
    static final class ReadTarget {
        /** The segment to stream, or null for 470 (or for a closed channel). */
        final Segment segment;

        final long resolvedSeq;

        /** {@code nextWrite} when the request arrived. */
        final long latest;

        final boolean channelClosed;

        ReadTarget(Segment segment, long resolvedSeq, long latest, boolean channelClosed) {
            this.segment = segment;
            this.resolvedSeq = resolvedSeq;
            this.latest = latest;
            this.channelClosed = channelClosed;
        }
    }

    final String name;
    final String mimeType;
    private final Segment[] ring;
    private long nextWrite;
    private long lastWriteNanos;
    private boolean closed;

    /** GETs parked in their long poll (no byte of their segment yet). */
    final AtomicInteger waitingReads = new AtomicInteger();

    /** POSTs connected but silent (a preconnect before its first byte). */
    final AtomicInteger waitingWrites = new AtomicInteger();

    Channel(String name, String mimeType, int retained, long nowNanos) {
        this.name = name;
        this.mimeType = mimeType;
        this.ring = new Segment[retained];
        this.lastWriteNanos = nowNanos;
    }

    private int slot(long seq) {
        return (int) (seq % ring.length);
    }

    synchronized long nextWrite() {
        return nextWrite;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** Resolves a GET's seq (which may be {@code -1} or {@code -2}; never below). */
    ReadTarget forRead(long seq) {
        Segment evicted = null;
        ReadTarget target;
        synchronized (this) {
            long latest = nextWrite;
            long resolved = seq;
            if (seq == TrickleProtocol.SEQ_NEXT) {
                resolved = nextWrite;
            } else if (seq == TrickleProtocol.SEQ_CURRENT) {
                resolved = Math.max(nextWrite - 1, 0);
            }
            Segment s = ring[slot(resolved)];
            if (s != null && s.seq == resolved) {
                target = new ReadTarget(s, resolved, latest, closed);
            } else if (!closed && (resolved == nextWrite || (nextWrite == 0 && resolved == 1))) {
                // Precreate: the GET waits for a segment about to be written.
                evicted = s;
                Segment created = new Segment(resolved);
                ring[slot(resolved)] = created;
                target = new ReadTarget(created, resolved, latest, false);
            } else {
                target = new ReadTarget(null, resolved, latest, closed);
            }
        }
        if (evicted != null) {
            evicted.close();
        }
        return target;
    }

    /** Resolves a POST's seq: {@code -1} means {@code nextWrite}. */
    synchronized long resolveWriteSeq(long seq) {
        return seq == TrickleProtocol.SEQ_NEXT ? nextWrite : seq;
    }

    /**
     * The segment a POST writes to: the existing one in its slot, or a new one that evicts (closes)
     * the slot's previous segment. With {@code reset}, every retained segment with a smaller seq is
     * closed, which releases subscribers stuck on an abandoned segment.
     */
    Segment forWrite(long seq, boolean reset) {
        List<Segment> toClose = new ArrayList<>();
        Segment target;
        synchronized (this) {
            Segment s = ring[slot(seq)];
            if (s != null && s.seq == seq) {
                target = s;
            } else {
                if (s != null) {
                    toClose.add(s);
                }
                target = new Segment(seq);
                ring[slot(seq)] = target;
            }
            if (reset) {
                for (Segment other : ring) {
                    if (other != null && other.seq < seq) {
                        toClose.add(other);
                    }
                }
            }
        }
        toClose.forEach(Segment::close);
        return target;
    }

    /** A segment started (its first byte, or an empty body that ended): advance the live edge. */
    synchronized void markStarted(long seq, long nowNanos) {
        nextWrite = seq + 1;
        lastWriteNanos = nowNanos;
    }

    /** Closes one retained segment; false when the seq is not in the ring. */
    boolean closeSegment(long seq) {
        Segment s;
        synchronized (this) {
            if (seq < 0) {
                return false;
            }
            s = ring[slot(seq)];
            if (s == null || s.seq != seq) {
                return false;
            }
        }
        s.close();
        return true;
    }

    /** Closes the channel and every retained segment (end of stream for all readers). */
    void close() {
        List<Segment> toClose = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Segment s : ring) {
                if (s != null) {
                    toClose.add(s);
                }
            }
        }
        toClose.forEach(Segment::close);
    }
}
