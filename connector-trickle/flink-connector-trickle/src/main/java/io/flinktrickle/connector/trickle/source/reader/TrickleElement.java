package io.flinktrickle.connector.trickle.source.reader;

import org.apache.flink.annotation.Internal;

/**
 * What a channel's I/O thread hands to the fetcher: a record with its position, the end of the
 * channel, a failure, or a wake-up; and what the fetcher itself emits: a record of a stream's start
 * or end, which has no position in any channel.
 */
@Internal
public final class TrickleElement<T> {

    enum Kind {
        RECORD,
        STREAM,
        FINISHED,
        FAILED,
        /**
         * The channel's input is unusable (its decoder could not be opened or refused it, or it was
         * never found): that stream ends with the reason.
         */
        REFUSED,
        WAKEUP
    }

    final Kind kind;
    final String splitId;
    final T record;
    final long seq;
    final long index;
    final long timestamp;
    final Throwable error;

    /** The pump that produced it: elements of a pump that was stopped or replaced are stale. */
    Object origin;

    private TrickleElement(
            Kind kind,
            String splitId,
            T record,
            long seq,
            long index,
            long timestamp,
            Throwable error) {
        this.kind = kind;
        this.splitId = splitId;
        this.record = record;
        this.seq = seq;
        this.index = index;
        this.timestamp = timestamp;
        this.error = error;
    }

    /** The {@code index}-th (1-based) record of segment {@code seq}. */
    static <T> TrickleElement<T> record(
            String splitId, T record, long seq, long index, long timestamp) {
        return new TrickleElement<>(Kind.RECORD, splitId, record, seq, index, timestamp, null);
    }

    /** A record of a stream's start or end, emitted under split {@code splitId}; no position. */
    static <T> TrickleElement<T> stream(String splitId, T record) {
        return new TrickleElement<>(
                Kind.STREAM, splitId, record, 0, 0, System.currentTimeMillis(), null);
    }

    static <T> TrickleElement<T> finished(String splitId) {
        return new TrickleElement<>(Kind.FINISHED, splitId, null, 0, 0, 0, null);
    }

    static <T> TrickleElement<T> failed(String splitId, Throwable error) {
        return new TrickleElement<>(Kind.FAILED, splitId, null, 0, 0, 0, error);
    }

    static <T> TrickleElement<T> refused(String splitId, Throwable error) {
        return new TrickleElement<>(Kind.REFUSED, splitId, null, 0, 0, 0, error);
    }

    static <T> TrickleElement<T> wakeUp() {
        return new TrickleElement<>(Kind.WAKEUP, null, null, 0, 0, 0, null);
    }
}
