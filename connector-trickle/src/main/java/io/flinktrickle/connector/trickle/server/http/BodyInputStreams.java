package io.flinktrickle.connector.trickle.server.http;

import java.io.IOException;
import java.io.InputStream;

/** Request body decoders: HTTP/1.1 chunked and Content-Length delimited. */
final class BodyInputStreams {

    private BodyInputStreams() {}

    /** Reads exactly {@code length} bytes, then reports EOF. */
    static final class Fixed extends InputStream {
        private final InputStream in;
        private long remaining;

        Fixed(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new IOException(
                        "connection closed with " + remaining + " body bytes missing");
            }
            remaining -= n;
            return n;
        }

        boolean finished() {
            return remaining <= 0;
        }
    }

    /**
     * Decodes {@code Transfer-Encoding: chunked} (RFC 9112 §7.1); trailers are read and ignored.
     * Resumable: the server reads silent uploads with a short socket timeout, and a timeout may hit
     * in the middle of a chunk-size line or of the CRLF after a chunk; the bytes read so far and
     * the position in the framing are kept in fields, so the next read goes on where it stopped.
     */
    static final class Chunked extends InputStream {
        private enum State {
            SIZE,
            DATA,
            CRLF,
            TRAILER,
            EOF
        }

        private final InputStream in;
        private final StringBuilder line = new StringBuilder();
        private State state = State.SIZE;
        private long chunkRemaining;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (true) {
                switch (state) {
                    case EOF:
                        return -1;
                    case SIZE:
                        startChunk(readLine());
                        break;
                    case DATA:
                        int n = in.read(b, off, (int) Math.min(len, chunkRemaining));
                        if (n < 0) {
                            throw new IOException("connection closed inside a chunk");
                        }
                        chunkRemaining -= n;
                        if (chunkRemaining == 0) {
                            state = State.CRLF;
                        }
                        return n;
                    case CRLF:
                        if (!readLine().isEmpty()) {
                            throw new HttpProtocolException("missing CRLF after chunk data");
                        }
                        state = State.SIZE;
                        break;
                    case TRAILER:
                        if (readLine().isEmpty()) {
                            state = State.EOF;
                        }
                        break;
                    default:
                        throw new IllegalStateException(state.toString());
                }
            }
        }

        private void startChunk(String sizeLine) throws HttpProtocolException {
            int semi = sizeLine.indexOf(';');
            String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new HttpProtocolException("invalid chunk size '" + hex + "'");
            }
            if (size < 0) {
                throw new HttpProtocolException("negative chunk size");
            }
            if (size == 0) {
                state = State.TRAILER;
            } else {
                chunkRemaining = size;
                state = State.DATA;
            }
        }

        /** Reads one CRLF-terminated line; bytes read before a timeout stay in {@link #line}. */
        private String readLine() throws IOException {
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection closed inside the chunked framing");
                }
                if (c == '\n') {
                    int len = line.length();
                    if (len > 0 && line.charAt(len - 1) == '\r') {
                        line.setLength(len - 1);
                    }
                    String result = line.toString();
                    line.setLength(0);
                    return result;
                }
                if (line.length() >= HttpRequest.MAX_LINE_BYTES) {
                    throw new HttpProtocolException("chunk framing line too long");
                }
                line.append((char) c);
            }
        }

        boolean finished() {
            return state == State.EOF;
        }
    }

    /** True when the stream was read to its end, so the connection can serve another request. */
    static boolean isFinished(InputStream body) {
        if (body instanceof Fixed) {
            return ((Fixed) body).finished();
        }
        if (body instanceof Chunked) {
            return ((Chunked) body).finished();
        }
        return true;
    }
}
