package io.flinktrickle.controlapi.stream;

import org.apache.flink.annotation.Internal;

/**
 * Why a stream request was refused. The HTTP layer turns the {@link Reason} into a status per route
 * (see {@code SidecarApp}): go-livepeer's managed-container worker only understands 400, 401, 422
 * and 500, while BYOC passes any status above 399 through.
 */
@Internal
public final class StreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The kinds of refusal. */
    public enum Reason {
        /** Malformed or invalid request: 400. */
        BAD_REQUEST,
        /** No (such) active stream: 400, as PyTrickle. */
        NO_STREAM,
        /** The stream id is already running: 400. */
        ALREADY_RUNNING,
        /** At capacity: 503 on BYOC routes, 500 on the managed-container alias. */
        BUSY,
        /** Still starting up (LOADING): 503 on BYOC routes, 500 on the alias. */
        NOT_READY,
        /** The processor refused a params update: 422. */
        REJECTED,
        /** Flink unreachable or a job call failed: 500. */
        FAILED
    }

    private final Reason reason;

    public StreamException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StreamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The message of {@code e} or of the cause it wraps (an execution or completion failure). */
    static String messageOf(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException
                        || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
