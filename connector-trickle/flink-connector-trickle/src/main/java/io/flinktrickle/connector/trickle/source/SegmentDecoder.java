package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns the bytes of a channel's segments into records: the extension point of {@link
 * TrickleSource}. A decoder reads each segment's body as it streams in and hands records to the
 * consumer as soon as it has them (records flow while the segment is still being received).
 *
 * <p>{@link #open} creates one {@link ChannelDecoder} per channel, which may keep state across
 * segments (a video decoder treats them as one continuous stream).
 *
 * <p>A decoder also hears of a stream's life, so that it can put it in band with the records: the
 * source calls {@link #streamStarted} before the first record of a stream (the channels {@code
 * <stream>} and {@code <stream>#<role>}; again after a restore) and {@link #streamEnded} after its
 * last, when the stream's channels end together (see {@link
 * io.flinktrickle.connector.trickle.TrickleOptions#STREAM_ENDING_ROLES}). Not when the job stops or
 * fails over: the stream is not over then.
 *
 * <p>Threads: a channel's decoder is called by that channel's I/O thread only; {@link
 * #streamStarted} and {@link #streamEnded} by the reader's fetcher thread.
 */
@PublicEvolving
public interface SegmentDecoder<T> extends Serializable, ResultTypeQueryable<T> {

    /** Creates the decoder of one channel. */
    ChannelDecoder<T> open(String channelKey) throws IOException;

    /**
     * Creates the decoder of one channel that has attributes (see {@link StreamAnnouncement}); by
     * default they are ignored. An {@link IOException} here (e.g. attributes it cannot use) refuses
     * that stream only: it ends with the failure in band, the job goes on.
     */
    default ChannelDecoder<T> open(String channelKey, Map<String, String> attributes)
            throws IOException {
        return open(channelKey);
    }

    /**
     * Stream {@code streamKey} starts on this reader (its first channels were assigned, or restored
     * after a failure), with the attributes of its main channel: records passed to {@code out} come
     * before any record of the stream's channels. Default: nothing.
     */
    default void streamStarted(String streamKey, Map<String, String> attributes, Consumer<T> out) {}

    /**
     * Stream {@code streamKey} ended (its main channel, or a channel of a stream-ending role,
     * ended; or one of its channels failed, when {@link
     * io.flinktrickle.connector.trickle.TrickleOptions#FAILED_CHANNEL_ENDS_STREAM} is on): records
     * passed to {@code out} come after the last record of its channels. Default: nothing.
     *
     * @param failure why the stream's channel failed, or null for a regular end
     */
    default void streamEnded(String streamKey, String failure, Consumer<T> out) {}

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
         * out} as soon as it is decoded. An {@link IOException} skips the segment; an {@link
         * InputRefusedException} ends the stream with its message (the input is unusable).
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
