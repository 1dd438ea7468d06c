package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

/** A segment read into memory exceeded the caller's size limit; the segment was dropped. */
@PublicEvolving
public final class SegmentTooLargeException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public SegmentTooLargeException(String message) {
        super(message);
    }
}
