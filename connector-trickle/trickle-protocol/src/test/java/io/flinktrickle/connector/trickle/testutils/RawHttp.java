package io.flinktrickle.connector.trickle.testutils;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A raw-socket HTTP/1.1 client for conformance tests: it shows exactly what is on the wire (interim
 * responses, when a status line arrives, chunking, {@code Connection: close}) and can misbehave on
 * purpose (silent uploads, dropped connections).
 */
public final class RawHttp implements Closeable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean chunkEndPending;

    public RawHttp(int port) throws IOException {
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Sends a request with a fixed-length body (may be null for none). */
    public RawHttp send(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        return this;
    }

    public RawHttp send(String method, String path) throws IOException {
        return send(method, path, Map.of(), null);
    }

    /** Starts a request with a chunked body; follow with {@link #chunk} and {@link #endChunks}. */
    public RawHttp startChunked(String method, String path, Map<String, String> headers)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("Transfer-Encoding: chunked\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp chunk(byte[] data) throws IOException {
        out.write(
                (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp chunk(String data) throws IOException {
        return chunk(data.getBytes(StandardCharsets.UTF_8));
    }

    public RawHttp endChunks() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Drops the TCP connection abruptly (RST). */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Reads the next response head (interim ones included) within {@code timeout}; empty when none
     * arrived in time.
     */
    public Optional<Head> readHead(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            String status = readLine();
            if (status == null) {
                throw new IOException("connection closed before a response");
            }
            String[] parts = status.split(" ", 3);
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            String line;
            while (!(line = readLine()).isEmpty()) {
                int c = line.indexOf(':');
                headers.put(line.substring(0, c).trim(), line.substring(c + 1).trim());
            }
            return Optional.of(
                    new Head(
                            Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
    }

    /** Reads the final response head, skipping interim (1xx) ones. */
    public Head readFinalHead(Duration timeout) throws IOException {
        while (true) {
            Head h =
                    readHead(timeout)
                            .orElseThrow(() -> new IOException("no response within " + timeout));
            if (h.status >= 200) {
                return h;
            }
        }
    }

    /** Reads the whole body of a response whose head was just read. */
    public byte[] readBody(Head head, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (head.chunked()) {
            byte[] c;
            while ((c = readChunk()) != null) {
                body.write(c);
            }
        } else if (head.headers.containsKey("Content-Length")) {
            int n = Integer.parseInt(head.headers.get("Content-Length"));
            body.write(in.readNBytes(n));
        } else {
            in.transferTo(body);
        }
        return body.toByteArray();
    }

    /** Reads one chunk of a chunked body; null at the terminating chunk. */
    public byte[] readChunk() throws IOException {
        if (chunkEndPending) {
            // A chunk's data is delivered as soon as it is read; its closing CRLF may come with the
            // next chunk (Jetty writes it so), as HTTP clients parse it.
            String end = readLine();
            chunkEndPending = false;
            if (!end.isEmpty()) {
                throw new IOException("chunk data not followed by CRLF: " + end);
            }
        }
        String size = readLine();
        int n = Integer.parseInt(size.trim(), 16);
        if (n == 0) {
            readLine();
            return null;
        }
        byte[] data = in.readNBytes(n);
        chunkEndPending = true;
        return data;
    }

    public void setTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    /** True when the server closed the connection (EOF within the timeout). */
    public boolean closedByServer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A response status line and headers. */
    public static final class Head {
        public final int status;
        public final String reason;
        public final Map<String, String> headers;

        Head(int status, String reason, Map<String, String> headers) {
            this.status = status;
            this.reason = reason;
            this.headers = headers;
        }

        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        public boolean chunked() {
            return header("Transfer-Encoding")
                    .map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                    .orElse(false);
        }

        @Override
        public String toString() {
            return status + " " + reason + " " + headers;
        }
    }
}
