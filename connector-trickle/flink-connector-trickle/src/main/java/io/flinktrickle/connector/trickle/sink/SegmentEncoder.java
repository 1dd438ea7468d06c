package io.flinktrickle.connector.trickle.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;

/**
 * Turns records into segments: the extension point of {@link TrickleSink}. The encoder decides
 * where segments start and end and writes their bytes, which stream to the server as they are
 * written (the segment's POST is already open).
 *
 * <p>{@link #open} creates one {@link ChannelEncoder} per output channel, which may keep state (a
 * video muxer cuts a segment at each keyframe).
 *
 * <p>Threads: called on the sink writer's mailbox thread only.
 */
@PublicEvolving
public interface SegmentEncoder<T> extends Serializable {

    /** Creates the encoder of one output channel. */
    ChannelEncoder<T> open(String channel) throws IOException;

    /** Encodes the records of one channel. */
    interface ChannelEncoder<T> extends AutoCloseable {

        /** Writes one record, starting and ending segments through {@code out}. */
        void encode(T record, SegmentOutput out) throws IOException;

        /**
         * End of input, or the writer closes: write what is still buffered. The sink ends the open
         * segment afterwards (its tail is never lost).
         */
        default void finish(SegmentOutput out) throws IOException {}

        @Override
        default void close() throws IOException {}
    }

    /** The segments of one channel, as the encoder sees them. */
    interface SegmentOutput {

        /** Ends the open segment, if any, and starts a new one. */
        OutputStream startSegment() throws IOException;

        /** The open segment, starting one if none is open. */
        OutputStream segment() throws IOException;

        /** Completes the open segment (no-op if none is open). */
        void endSegment() throws IOException;

        boolean hasOpenSegment();
    }
}
