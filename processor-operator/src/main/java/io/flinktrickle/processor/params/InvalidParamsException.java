package io.flinktrickle.processor.params;

import org.apache.flink.annotation.PublicEvolving;

/** Params that PyTrickle's validation would reject; the message says why. */
@PublicEvolving
public class InvalidParamsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidParamsException(String message) {
        super(message);
    }

    public InvalidParamsException(String message, Throwable cause) {
        super(message, cause);
    }
}
