package io.flinktrickle.connector.trickle.protocol;

/** A request kept failing for the configured number of attempts; the last failure is the cause. */
public final class RetriesExhaustedException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public RetriesExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
