package io.flinktrickle.connector.trickle.source.split;

import org.apache.flink.annotation.Internal;

/**
 * The reading position of a {@link TrickleChannelSplit}, advanced by the record emitter on the
 * reader's mailbox thread.
 */
@Internal
public final class TrickleChannelSplitState {
    private final TrickleChannelSplit split;
    private long nextSeq;
    private long recordsToSkip;

    public TrickleChannelSplitState(TrickleChannelSplit split) {
        this.split = split;
        this.nextSeq = split.nextSeq();
        this.recordsToSkip = split.recordsToSkip();
    }

    /** A record of segment {@code seq} was emitted; it was the {@code index}-th (1-based). */
    public void recordEmitted(long seq, long index) {
        this.nextSeq = seq;
        this.recordsToSkip = index;
    }

    public long nextSeq() {
        return nextSeq;
    }

    public TrickleChannelSplit toSplit() {
        return split.withPosition(nextSeq, recordsToSkip);
    }
}
