package io.flinktrickle.connector.trickle.sink;

import io.flinktrickle.connector.trickle.source.TrickleSegmentRecord;

import org.apache.flink.annotation.PublicEvolving;

/** Publishes each {@link TrickleSegmentRecord} as one whole segment. */
@PublicEvolving
public final class RawSegmentEncoder implements SegmentEncoder<TrickleSegmentRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public ChannelEncoder<TrickleSegmentRecord> open(String channel) {
        return (record, out) -> {
            out.startSegment().write(record.data);
            out.endSegment();
        };
    }

    /** Routes each record to {@code baseUrl + record.channel + suffix} (e.g. suffix "-out"). */
    public static ChannelRouter<TrickleSegmentRecord> routeByChannel(
            String baseUrl, String suffix) {
        String base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        return (record, subtask) -> java.net.URI.create(base + record.channel + suffix);
    }
}
