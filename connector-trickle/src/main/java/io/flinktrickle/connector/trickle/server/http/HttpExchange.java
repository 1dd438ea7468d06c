package io.flinktrickle.connector.trickle.server.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * One request/response on a connection: the handler reads {@link #request()} and answers with
 * exactly one final response, optionally preceded by interim {@code 100 Continue} responses.
 *
 * <p>All methods are called by the connection's own thread.
 */
public final class HttpExchange {

    private final Socket socket;
    private final BufferedInputStream in;
    private final OutputStream out;
    private final HttpRequest request;
    private boolean responded;
    private boolean closeConnection;

    HttpExchange(Socket socket, BufferedInputStream in, OutputStream out, HttpRequest request) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.request = request;
    }

    public HttpRequest request() {
        return request;
    }

    /** Sends an interim {@code 100 Continue}; allowed any number of times before the response. */
    public void sendContinue() throws IOException {
        if (responded) {
            throw new IllegalStateException("response already started");
        }
        out.write(HttpRequest.ascii("HTTP/1.1 100 Continue\r\n\r\n"));
        out.flush();
    }

    /** Sends a complete response with a fixed-length body (which may be empty). */
    public void respond(int status, String reason, Map<String, String> headers, byte[] body)
            throws IOException {
        writeHead(status, reason, headers, "Content-Length: " + body.length);
        if (!"HEAD".equals(request.method())) {
            out.write(body);
        }
        out.flush();
    }

    /** Sends a {@code text/plain} response the way Go's {@code http.Error} does. */
    public void respondText(int status, String reason, Map<String, String> headers, String text)
            throws IOException {
        headers.put("Content-Type", "text/plain; charset=utf-8");
        headers.put("X-Content-Type-Options", "nosniff");
        respond(status, reason, headers, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts a chunked response; every {@code flush()} of the returned stream sends what was
     * written so far as one chunk, and {@code close()} ends the body. A client that does not speak
     * HTTP/1.1 gets a body delimited by connection close instead.
     */
    public OutputStream respondChunked(int status, String reason, Map<String, String> headers)
            throws IOException {
        if (!request.isHttp11()) {
            closeConnection = true;
            writeHead(status, reason, headers, null);
            out.flush();
            return new ChunkedOutputStream(out, false, "HEAD".equals(request.method()));
        }
        writeHead(status, reason, headers, "Transfer-Encoding: chunked");
        out.flush();
        return new ChunkedOutputStream(out, true, "HEAD".equals(request.method()));
    }

    private void writeHead(int status, String reason, Map<String, String> headers, String framing)
            throws IOException {
        if (responded) {
            throw new IllegalStateException("response already sent");
        }
        responded = true;
        if ("close".equalsIgnoreCase(headers.get("Connection"))) {
            closeConnection = true;
        }
        StringBuilder sb = new StringBuilder(256);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        for (Map.Entry<String, String> h : headers.entrySet()) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (closeConnection && !headers.containsKey("Connection")) {
            sb.append("Connection: close\r\n");
        }
        if (framing != null) {
            sb.append(framing).append("\r\n");
        }
        sb.append("\r\n");
        out.write(HttpRequest.ascii(sb.toString()));
    }

    /** Gives up on a request whose client left: no response, the connection closes. */
    public void abandon() {
        responded = true;
        closeConnection = true;
    }

    /** Closes the connection after this response instead of keeping it alive. */
    public void closeConnectionAfterResponse() {
        closeConnection = true;
    }

    boolean closeConnection() {
        return closeConnection;
    }

    boolean responded() {
        return responded;
    }

    /**
     * Sets how long one body read may block before {@link SocketTimeoutException}; a zero duration
     * blocks without limit.
     */
    public void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /**
     * Whether the peer has closed its side. Used while a long-poll waits for data, so that an
     * abandoned request does not hold its thread until the segment starts.
     */
    public boolean isPeerGone() {
        try {
            int old = socket.getSoTimeout();
            socket.setSoTimeout(1);
            try {
                in.mark(1);
                int b = in.read();
                if (b < 0) {
                    return true;
                }
                in.reset();
                return false;
            } catch (SocketTimeoutException stillThere) {
                return false;
            } finally {
                socket.setSoTimeout(old);
            }
        } catch (IOException e) {
            return true;
        }
    }

    /** Writes HTTP/1.1 chunks; a flush emits one chunk, close emits the terminating chunk. */
    private static final class ChunkedOutputStream extends OutputStream {
        private final OutputStream out;
        private final boolean chunked;
        private final boolean discard;
        private boolean closed;

        ChunkedOutputStream(OutputStream out, boolean chunked, boolean discard) {
            this.out = out;
            this.chunked = chunked;
            this.discard = discard;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0 || discard) {
                return;
            }
            if (chunked) {
                out.write(HttpRequest.ascii(Integer.toHexString(len) + "\r\n"));
                out.write(b, off, len);
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (chunked && !discard) {
                out.write(HttpRequest.ascii("0\r\n\r\n"));
            }
            out.flush();
        }
    }
}
