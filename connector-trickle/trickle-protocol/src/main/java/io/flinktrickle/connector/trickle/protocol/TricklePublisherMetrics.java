package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link TricklePublisher}; thread-safe, read by metric reporters. */
@PublicEvolving
public final class TricklePublisherMetrics {
    final LongAdder segments = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder releasedPreconnects = new LongAdder();
    final LongAdder failedSegments = new LongAdder();

    /** Segments completed and acknowledged by the server. */
    public long segments() {
        return segments.sum();
    }

    /** Body bytes written. */
    public long bytes() {
        return bytes.sum();
    }

    /** POSTs re-opened after a failure before their first byte. */
    public long retries() {
        return retries.sum();
    }

    /** Preconnected POSTs the server released (and that were re-opened when needed). */
    public long releasedPreconnects() {
        return releasedPreconnects.sum();
    }

    /** Segments that failed after some bytes were sent (dropped, then DELETEd). */
    public long failedSegments() {
        return failedSegments.sum();
    }
}
