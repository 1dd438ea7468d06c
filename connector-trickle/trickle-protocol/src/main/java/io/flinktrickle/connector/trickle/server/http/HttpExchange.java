package io.flinktrickle.connector.trickle.server.http;

import org.apache.flink.annotation.Internal;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * One request and its response on Jetty: the handler reads {@link #request()} and answers with
 * exactly one final response, optionally preceded by interim {@code 100 Continue} responses.
 * Responses are written with blocking calls, so a slow client slows only its own handler.
 *
 * <p>The exchange completes when the handler returns ({@link #finish}): a handler may still read
 * the body after its response was written (a released upload is drained that way).
 *
 * <p>All methods are called by the thread that runs the request's handler.
 */
@Internal
public final class HttpExchange {

    /** The interim response go-livepeer sends as a keepalive on a silent upload. */
    private static final byte[] CONTINUE =
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** How long and how much a closing connection still reads (see {@link #drainUnreadBody}). */
    private static final long LINGER_NANOS = 2_000_000_000L;

    private static final long LINGER_MAX_BYTES = 16L * 1024 * 1024;

    private final Request jettyRequest;
    private final Response response;
    private final Callback callback;
    private final RequestBody body;
    private final HttpRequest request;
    private PeerWatch peerWatch;
    private boolean responded;
    private boolean ended;
    private volatile boolean writing;
    private boolean broken;
    private boolean completed;

    HttpExchange(Request jettyRequest, Response response, Callback callback) {
        this.jettyRequest = jettyRequest;
        this.response = response;
        this.callback = callback;
        this.body = new RequestBody(jettyRequest);
        this.request = new HttpRequest(jettyRequest, body);
    }

    public HttpRequest request() {
        return request;
    }

    /**
     * Sends an interim {@code 100 Continue}; allowed any number of times before the response.
     *
     * <p>Jetty sends a 100 only once and only to a client that asked with {@code Expect};
     * go-livepeer repeats it every 10 s on a silent upload, and RFC 9110 §15.2 has every HTTP/1.1
     * client parse 1xx responses it did not expect. So the bytes go to the connection directly.
     * That is safe here: nothing else writes to an HTTP/1.1 connection before its response is
     * committed.
     */
    public void sendContinue() throws IOException {
        if (responded || response.isCommitted()) {
            throw new IllegalStateException("response already started");
        }
        if (!request.isHttp11()) {
            return; // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client
        }
        EndPoint endPoint = jettyRequest.getConnectionMetaData().getConnection().getEndPoint();
        writing = true; // a keepalive that makes no progress fails at the idle timeout
        try (Blocker.Callback written = Blocker.callback()) {
            try {
                endPoint.write(written, ByteBuffer.wrap(CONTINUE));
            } catch (WritePendingException busy) {
                // Jetty's own 100 (the client sent Expect) is still on its way: that one will do.
                written.succeeded();
            }
            written.block();
        } finally {
            writing = false;
        }
    }

    /** Sends a complete response with a fixed-length body (which may be empty). */
    public void respond(int status, Map<String, String> headers, byte[] bytes) throws IOException {
        head(status, headers);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Long.toString(bytes.length));
        boolean head = "HEAD".equals(request.method());
        write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(bytes));
        ended = true;
    }

    /** Sends a {@code text/plain} response the way Go's {@code http.Error} does. */
    public void respondText(int status, Map<String, String> headers, String text)
            throws IOException {
        headers.put("Content-Type", "text/plain; charset=utf-8");
        headers.put("X-Content-Type-Options", "nosniff");
        respond(status, headers, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts a streamed response (chunked on HTTP/1.1, delimited by connection close on 1.0); each
     * {@code write} of the returned stream goes out at once as a chunk, and {@code close()} ends
     * the body.
     */
    public OutputStream respondStreamed(int status, Map<String, String> headers)
            throws IOException {
        head(status, headers);
        boolean head = "HEAD".equals(request.method());
        write(false, ByteBuffer.allocate(0)); // commit the head now: readers see it at once
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > 0 && !head) {
                    HttpExchange.this.write(false, ByteBuffer.wrap(b, off, len));
                }
            }

            @Override
            public void close() throws IOException {
                if (!closed && !broken && !completed) {
                    closed = true;
                    HttpExchange.this.write(true, ByteBuffer.allocate(0));
                    ended = true;
                }
            }
        };
    }

    private void head(int status, Map<String, String> headers) {
        if (responded) {
            throw new IllegalStateException("response already sent");
        }
        responded = true;
        stopWatching();
        response.setStatus(status);
        headers.forEach((name, value) -> response.getHeaders().put(name, value));
        if (peerWatch != null && peerWatch.consumedBytes()) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
    }

    private void write(boolean last, ByteBuffer bytes) throws IOException {
        writing = true;
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(last, bytes, written);
            written.block();
        } catch (IOException | RuntimeException e) {
            broken = true; // the client is gone: nothing more goes out
            throw e;
        } finally {
            writing = false;
        }
    }

    /** Whether a response write is in progress (Jetty's idle timeout may fail only that). */
    boolean isWriting() {
        return writing;
    }

    /** Gives up on a request whose client left: no response, the connection closes. */
    public void abandon() {
        responded = true;
        stopWatching();
        jettyRequest.getConnectionMetaData().getConnection().getEndPoint().close();
        fail(new EofException("client gone"));
    }

    /** Whether the connection is still open (false once the client or a server stop closed it). */
    public boolean isConnectionOpen() {
        return jettyRequest.getConnectionMetaData().getConnection().getEndPoint().isOpen();
    }

    /** Closes the connection after this response instead of keeping it alive. */
    public void closeConnectionAfterResponse() {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    /**
     * Sets how long one body read may block before {@link java.net.SocketTimeoutException}; a zero
     * duration blocks without limit.
     */
    public void setReadTimeout(Duration timeout) {
        body.setTimeoutMillis(timeout.toMillis());
    }

    /**
     * While on, {@link #wakeBodyRead} ends a body read that waits for bytes with a {@link
     * java.net.SocketTimeoutException}, as the read timeout does: how a handler that waits on a
     * silent upload learns of an event elsewhere without polling. Off forgets a wake not yet seen.
     */
    public void bodyReadWakeable(boolean on) {
        body.wakeable(on);
    }

    /** Any thread (the one exception to this class's rule): see {@link #bodyReadWakeable}. */
    public void wakeBodyRead() {
        body.wake();
    }

    /**
     * Whether the client has closed its side. Polled while a long-poll waits for data, so that an
     * abandoned request does not hold its thread until the segment starts (see {@link PeerWatch}).
     */
    public boolean isPeerGone() {
        if (peerWatch == null) {
            peerWatch =
                    new PeerWatch(
                            jettyRequest.getConnectionMetaData().getConnection().getEndPoint());
        }
        return peerWatch.isPeerGone();
    }

    private void stopWatching() {
        if (peerWatch != null) {
            peerWatch.stop();
        }
    }

    /** Ends the exchange after its handler returned or threw. */
    void finish(Throwable failure) {
        stopWatching();
        body.close();
        if (completed) {
            return;
        }
        if (failure == null && ended) {
            drainUnreadBody();
            completed = true;
            callback.succeeded();
            return;
        }
        if (failure == null) {
            failure =
                    new IllegalStateException(
                            (responded
                                            ? "handler left the response unfinished for "
                                            : "handler sent no response for ")
                                    + request);
        }
        fail(failure);
    }

    /**
     * After an early answer (401, 404, 413, ...) to an upload still in flight: reads and drops what
     * the client still sends, for a bounded time and amount, before the connection closes. Closing
     * with unread bytes makes the kernel reset the connection, and the reset can destroy the answer
     * before the client reads it, or break the client's write before it looks for one (what every
     * server calls a lingering close; Jetty closes at once).
     */
    private void drainUnreadBody() {
        if (body.isFinished() || jettyRequest.getLength() == 0) {
            return;
        }
        long deadline = System.nanoTime() + LINGER_NANOS;
        byte[] discard = new byte[16 * 1024];
        long left = LINGER_MAX_BYTES;
        try {
            while (left > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                body.setTimeoutMillis(Math.max(1, remaining / 1_000_000));
                int n = body.read(discard, 0, discard.length);
                if (n < 0) {
                    return;
                }
                left -= n;
            }
        } catch (IOException goneOrSilent) {
            // The client closed, reset or went quiet: nothing left to protect.
        }
    }

    private void fail(Throwable failure) {
        if (!completed) {
            completed = true;
            callback.failed(failure);
        }
    }
}
