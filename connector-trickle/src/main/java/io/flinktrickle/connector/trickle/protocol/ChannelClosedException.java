package io.flinktrickle.connector.trickle.protocol;

/** The channel was closed ({@code Lp-Trickle-Closed}): end of stream for a publisher. */
public final class ChannelClosedException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public ChannelClosedException(String message) {
        super(message);
    }
}
