package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A message segment was not valid JSON, or was larger than allowed. The subscriber has moved past
 * it: the next call reads the next message.
 */
@PublicEvolving
public final class MalformedMessageException extends TrickleException {
    private static final long serialVersionUID = 1L;

    private final long seq;

    public MalformedMessageException(String message, long seq, Throwable cause) {
        super(message, cause);
        this.seq = seq;
    }

    /** The seq of the segment that was skipped. */
    public long seq() {
        return seq;
    }
}
