package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

/** The channel was closed ({@code Lp-Trickle-Closed}): end of stream for a publisher. */
@PublicEvolving
public final class ChannelClosedException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public ChannelClosedException(String message) {
        super(message);
    }
}
