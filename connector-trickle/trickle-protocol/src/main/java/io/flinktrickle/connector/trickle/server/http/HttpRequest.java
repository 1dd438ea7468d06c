package io.flinktrickle.connector.trickle.server.http;

import org.apache.flink.annotation.Internal;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;

import java.io.InputStream;
import java.util.Optional;

/**
 * The parts of a request the trickle handlers read: method, raw path, headers and body. A view of
 * Jetty's {@link Request}, which has already parsed and validated the head.
 *
 * <p>Used by the thread that runs the request's handler; not thread-safe.
 */
@Internal
public final class HttpRequest {

    private final Request request;
    private final RequestBody body;

    HttpRequest(Request request, RequestBody body) {
        this.request = request;
        this.body = body;
    }

    public String method() {
        return request.getMethod();
    }

    /** The request path, still percent-encoded, without the query string. */
    public String rawPath() {
        return request.getHttpURI().getPath();
    }

    public boolean isHttp11() {
        return request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1;
    }

    /** The first value of a header (case-insensitive name). */
    public Optional<String> header(String name) {
        return Optional.ofNullable(request.getHeaders().get(name));
    }

    /**
     * The request body, de-chunked, as bytes arrive. Reading past its end returns -1; a handler
     * need not drain it (see {@link HttpExchange#setReadTimeout} for how long a read may block).
     */
    public InputStream body() {
        return body;
    }

    @Override
    public String toString() {
        return method() + " " + rawPath();
    }
}
