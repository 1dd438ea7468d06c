package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link TrickleSubscriber}; thread-safe, read by metric reporters. */
@PublicEvolving
public final class TrickleSubscriberMetrics {
    final LongAdder segments = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder emptySegments = new LongAdder();
    final LongAdder jumps = new LongAdder();
    final LongAdder skippedSegments = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder refreshes = new LongAdder();

    /** Non-empty segments received. */
    public long segments() {
        return segments.sum();
    }

    /** Body bytes read. */
    public long bytes() {
        return bytes.sum();
    }

    /** Zero-byte segments skipped. */
    public long emptySegments() {
        return emptySegments.sum();
    }

    /** 470 answers that moved the subscriber to the live edge. */
    public long jumps() {
        return jumps.sum();
    }

    /** Segments passed over by those jumps. */
    public long skippedSegments() {
        return skippedSegments.sum();
    }

    /** Requests retried after a connection error or a server error. */
    public long retries() {
        return retries.sum();
    }

    /** Long-polls re-issued because no response headers came within the refresh interval. */
    public long refreshes() {
        return refreshes.sum();
    }
}
