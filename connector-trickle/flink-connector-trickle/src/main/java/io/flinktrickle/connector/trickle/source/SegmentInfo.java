package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;

/** What a {@link SegmentDecoder} knows about the segment it decodes. */
@PublicEvolving
public final class SegmentInfo {
    private final String channelKey;
    private final long seq;
    private final String contentType;
    private final long arrivalTimeMillis;

    public SegmentInfo(String channelKey, long seq, String contentType, long arrivalTimeMillis) {
        this.channelKey = channelKey;
        this.seq = seq;
        this.contentType = contentType;
        this.arrivalTimeMillis = arrivalTimeMillis;
    }

    /** The channel's stream key (the key records are partitioned by). */
    public String channelKey() {
        return channelKey;
    }

    public long seq() {
        return seq;
    }

    /** The channel's mime type (may be empty). */
    public String contentType() {
        return contentType;
    }

    /** Wall-clock time when the segment's first bytes arrived. */
    public long arrivalTimeMillis() {
        return arrivalTimeMillis;
    }

    @Override
    public String toString() {
        return channelKey + "/" + seq;
    }
}
