package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * A whole segment as one record ({@link RawSegmentDecoder}). A Flink POJO: public fields and a
 * no-argument constructor, so it is serialized without Kryo.
 */
@PublicEvolving
public class TrickleSegmentRecord {
    /** The channel's stream key. */
    public String channel;

    public long seq;

    /** Wall-clock time when the segment's first bytes arrived. */
    public long arrivalTimeMillis;

    public byte[] data;

    public TrickleSegmentRecord() {}

    public TrickleSegmentRecord(String channel, long seq, long arrivalTimeMillis, byte[] data) {
        this.channel = channel;
        this.seq = seq;
        this.arrivalTimeMillis = arrivalTimeMillis;
        this.data = data;
    }

    public String getChannel() {
        return channel;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrickleSegmentRecord)) {
            return false;
        }
        TrickleSegmentRecord r = (TrickleSegmentRecord) o;
        return seq == r.seq
                && arrivalTimeMillis == r.arrivalTimeMillis
                && Objects.equals(channel, r.channel)
                && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channel, seq, arrivalTimeMillis) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "TrickleSegmentRecord{"
                + channel
                + "/"
                + seq
                + ", "
                + (data == null ? 0 : data.length)
                + " bytes}";
    }
}
