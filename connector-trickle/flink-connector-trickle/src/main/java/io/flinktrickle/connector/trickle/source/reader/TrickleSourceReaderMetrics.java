package io.flinktrickle.connector.trickle.source.reader;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The source reader's trickle metrics, updated by the channels' I/O threads (thread-safe): {@code
 * trickleSegmentsIn}, {@code trickleJumps} (segments skipped to the live edge, also after a restore
 * whose position the server no longer had), {@code trickleReconnects}, {@code trickleLagSegments}
 * (the largest number of segments waiting behind the one being read, over this reader's channels)
 * and Flink's standard {@code numBytesIn}. {@code numRecordsIn} comes from the reader base class.
 */
@Internal
public final class TrickleSourceReaderMetrics {
    private final Counter segments;
    private final Counter jumps;
    private final Counter reconnects;
    private final Counter bytes;
    private final Map<String, Long> lagByChannel = new ConcurrentHashMap<>();

    public TrickleSourceReaderMetrics(SourceReaderMetricGroup group) {
        this.segments = group.counter("trickleSegmentsIn", new ThreadSafeSimpleCounter());
        this.jumps = group.counter("trickleJumps", new ThreadSafeSimpleCounter());
        this.reconnects = group.counter("trickleReconnects", new ThreadSafeSimpleCounter());
        this.bytes = group.getIOMetricGroup().getNumBytesInCounter();
        group.gauge("trickleLagSegments", this::maxLag);
    }

    void segment(String channel, long lag) {
        segments.inc();
        lagByChannel.put(channel, Math.max(0, lag));
    }

    void bytes(long n) {
        synchronized (bytes) {
            bytes.inc(n);
        }
    }

    void jumps(long n) {
        jumps.inc(n);
    }

    void reconnects(long n) {
        reconnects.inc(n);
    }

    void channelClosed(String channel) {
        lagByChannel.remove(channel);
    }

    long maxLag() {
        long max = 0;
        for (long lag : lagByChannel.values()) {
            max = Math.max(max, lag);
        }
        return max;
    }

    public long segments() {
        return segments.getCount();
    }

    public long jumps() {
        return jumps.getCount();
    }
}
