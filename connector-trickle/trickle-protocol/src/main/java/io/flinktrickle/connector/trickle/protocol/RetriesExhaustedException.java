package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

/** A request kept failing for the configured number of attempts; the last failure is the cause. */
@PublicEvolving
public final class RetriesExhaustedException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public RetriesExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
