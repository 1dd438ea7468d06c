package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP operations the trickle client needs, behind one small interface so that tests can inject
 * faults (dropped connections, refused or slow requests) without a fake server. {@link
 * JdkTrickleHttp} is the production implementation.
 */
@PublicEvolving
public interface TrickleHttp extends AutoCloseable {

    /**
     * Sends a GET. The future completes when the response headers arrive (a trickle long-poll may
     * take long), or exceptionally with {@link java.net.http.HttpTimeoutException} after {@code
     * headersTimeout} without headers.
     */
    CompletableFuture<Response> get(URI uri, Duration headersTimeout);

    /**
     * Opens a POST at once (headers sent, body streamed as it is written) and returns its body
     * sink. The body is sent chunked.
     */
    Upload post(URI uri, Map<String, String> headers);

    /** Sends a DELETE. */
    CompletableFuture<Response> delete(URI uri);

    @Override
    void close();

    /** A response whose body streams in. Closing it before the end drops the connection. */
    interface Response extends Closeable {
        int status();

        Optional<String> header(String name);

        InputStream body();

        @Override
        void close();
    }

    /**
     * The body of an open POST. {@link #write} may be called from one thread at a time; {@link
     * #abort} from any thread.
     */
    interface Upload {
        /**
         * Queues bytes (ownership passes to the upload). Blocks while the bounded queue is full.
         *
         * @throws IOException once the exchange has failed or the server has already answered
         */
        void write(ByteBuffer data) throws IOException;

        /** Ends the body; the server then answers. */
        void complete();

        /** Aborts the request: the connection is dropped, the server sees a failed body. */
        void abort(Throwable cause);

        /** Completes with the server's final response (interim 1xx responses are skipped). */
        CompletableFuture<Response> response();

        /** Bytes the HTTP client has taken from the queue so far (possibly sent). */
        long bytesTaken();
    }
}
