package io.flinktrickle.connector.trickle.source.split;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Where a channel is read from: the segment being written ({@link #current()}, the default: a
 * joining reader gets the current GOP from its keyframe), the next one ({@link #next()}) or an
 * explicit seq.
 */
@PublicEvolving
public final class StartPosition implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final StartPosition CURRENT = new StartPosition(TrickleProtocol.SEQ_CURRENT);
    private static final StartPosition NEXT = new StartPosition(TrickleProtocol.SEQ_NEXT);

    private final long seq;

    private StartPosition(long seq) {
        this.seq = seq;
    }

    public static StartPosition current() {
        return CURRENT;
    }

    public static StartPosition next() {
        return NEXT;
    }

    public static StartPosition fromSeq(long seq) {
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0 but is " + seq);
        }
        return new StartPosition(seq);
    }

    /** The wire value: a seq, {@code -1} (next) or {@code -2} (current). */
    public long seq() {
        return seq;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartPosition && ((StartPosition) o).seq == seq;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq);
    }

    @Override
    public String toString() {
        return seq == TrickleProtocol.SEQ_CURRENT
                ? "current"
                : seq == TrickleProtocol.SEQ_NEXT ? "next" : "seq " + seq;
    }
}
