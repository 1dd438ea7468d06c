package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;

import java.io.IOException;

/**
 * A channel's input cannot be used at all (it is not there, or it is not what the decoder reads,
 * e.g. not MPEG-TS): thrown by a {@link SegmentDecoder.ChannelDecoder#decode}, it ends the
 * channel's stream with this message as the failure in band ({@link SegmentDecoder#streamEnded})
 * instead of skipping one segment, and the job goes on. Its message is meant for the stream's
 * caller, so it says what is wrong with which input.
 */
@PublicEvolving
public class InputRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public InputRefusedException(String message) {
        super(message);
    }
}
