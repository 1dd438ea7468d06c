package io.flinktrickle.connector.trickle.protocol;

/** The server does not know the channel (404): it was never created, or it ended. Fatal. */
public final class ChannelNotFoundException extends TrickleException {
    private static final long serialVersionUID = 1L;

    public ChannelNotFoundException(String message) {
        super(message);
    }
}
