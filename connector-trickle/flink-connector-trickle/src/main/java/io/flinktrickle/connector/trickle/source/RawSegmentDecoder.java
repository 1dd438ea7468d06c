package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Emits every segment whole, as a {@link TrickleSegmentRecord} (channel, seq, arrival time, bytes).
 * By its nature it holds one segment in memory; a segment larger than {@code maxSegmentBytes} fails
 * the channel with a clear error.
 */
@PublicEvolving
public final class RawSegmentDecoder implements SegmentDecoder<TrickleSegmentRecord> {
    private static final long serialVersionUID = 1L;

    /** Default bound on one segment: 64 MiB, the embedded server's own limit. */
    public static final long DEFAULT_MAX_SEGMENT_BYTES = 64L * 1024 * 1024;

    private final long maxSegmentBytes;

    public RawSegmentDecoder() {
        this(DEFAULT_MAX_SEGMENT_BYTES);
    }

    public RawSegmentDecoder(long maxSegmentBytes) {
        if (maxSegmentBytes <= 0) {
            throw new IllegalArgumentException("maxSegmentBytes must be positive");
        }
        this.maxSegmentBytes = maxSegmentBytes;
    }

    @Override
    public ChannelDecoder<TrickleSegmentRecord> open(String channelKey) {
        return new ChannelDecoder<>() {
            @Override
            public void decode(
                    SegmentInfo segment, InputStream body, Consumer<TrickleSegmentRecord> out)
                    throws IOException {
                byte[] data =
                        body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxSegmentBytes + 1));
                if (data.length > maxSegmentBytes) {
                    throw new IOException(
                            "segment "
                                    + segment
                                    + " is larger than the limit of "
                                    + maxSegmentBytes
                                    + " bytes");
                }
                out.accept(
                        new TrickleSegmentRecord(
                                segment.channelKey(),
                                segment.seq(),
                                segment.arrivalTimeMillis(),
                                data));
            }
        };
    }

    @Override
    public TypeInformation<TrickleSegmentRecord> getProducedType() {
        return TypeInformation.of(TrickleSegmentRecord.class);
    }
}
