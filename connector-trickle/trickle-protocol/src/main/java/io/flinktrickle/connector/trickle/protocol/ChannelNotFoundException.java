package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

/** The server does not know the channel (404): it was never created, or it ended. Fatal. */
@PublicEvolving
public final class ChannelNotFoundException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public ChannelNotFoundException(String message) {
        super(message);
    }
}
