package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.function.Consumer;

/**
 * Turns the bytes of a channel's segments into records: the extension point of {@link
 * TrickleSource}. A decoder reads each segment's body as it streams in and hands records to the
 * consumer as soon as it has them (records flow while the segment is still being received).
 *
 * <p>{@link #open} creates one {@link ChannelDecoder} per channel, which may keep state across
 * segments (a video decoder treats them as one continuous stream).
 *
 * <p>Threads: a channel's decoder is called by that channel's I/O thread only.
 */
@PublicEvolving
public interface SegmentDecoder<T> extends Serializable, ResultTypeQueryable<T> {

    /** Creates the decoder of one channel. */
    ChannelDecoder<T> open(String channelKey) throws IOException;

    /**
     * Whether the channel's every segment counts (messages), so that a reader which fell behind the
     * server's ring resumes at the oldest segment still held rather than at the live edge (right
     * for media, where old segments are late). Default false.
     */
    default boolean keepsEverySegment(String channelKey) {
        return false;
    }

    /** Decodes the segments of one channel, in seq order. */
    interface ChannelDecoder<T> extends AutoCloseable {

        /**
         * Reads one segment's body (to its end, or until it fails) and passes each record to {@code
         * out} as soon as it is decoded.
         */
        void decode(SegmentInfo segment, InputStream body, Consumer<T> out) throws IOException;

        /**
         * Segments were skipped (a jump to the live edge, a reconnect, a restore): the next segment
         * does not continue the previous one. Stateful decoders resynchronize.
         */
        default void discontinuity() {}

        /**
         * The channel ended: emit what the decoder still holds (a demuxer keeps the last frames of
         * a segment until more bytes arrive).
         */
        default void endOfStream(Consumer<T> out) throws IOException {}

        @Override
        default void close() throws IOException {}
    }
}
