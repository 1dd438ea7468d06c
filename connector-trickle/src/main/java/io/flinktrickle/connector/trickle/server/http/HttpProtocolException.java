package io.flinktrickle.connector.trickle.server.http;

import java.io.IOException;

/** A request that violates HTTP/1.1 framing; the connection answers 400 and closes. */
public final class HttpProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public HttpProtocolException(String message) {
        super(message);
    }
}
