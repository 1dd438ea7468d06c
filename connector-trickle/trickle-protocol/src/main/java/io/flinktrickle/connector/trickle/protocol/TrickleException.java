package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.io.IOException;
import java.net.URI;

/** A trickle request failed; the message names the URL and the cause. */
@PublicEvolving
public class TrickleException extends IOException {
    private static final long serialVersionUID = 1L;

    public TrickleException(String message) {
        super(message);
    }

    public TrickleException(String message, Throwable cause) {
        super(message, cause);
    }

    static String describe(URI uri, int status, String detail) {
        return uri
                + " answered "
                + status
                + (detail == null || detail.isEmpty() ? "" : ": " + detail);
    }
}
