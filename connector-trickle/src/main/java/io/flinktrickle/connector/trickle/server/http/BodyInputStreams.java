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
     * Decodes {@code Transfer-Encoding: chunked} (RFC 9112 §7.1); trailers are read and ignored. A
     * socket timeout while waiting leaves the decoder in a consistent state, so the caller may
     * retry the read (the server uses that to send keepalives on idle uploads).
     */
    static final class Chunked extends InputStream {
        private final InputStream in;
        private long chunkRemaining;
        private boolean needSize = true;
        private boolean eof;

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
            if (eof) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (needSize) {
                readChunkSize();
                if (eof) {
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkRemaining));
            if (n < 0) {
                throw new IOException("connection closed inside a chunk");
            }
            chunkRemaining -= n;
            if (chunkRemaining == 0) {
                String crlf = HttpRequest.readLine(in, false);
                if (crlf == null || !crlf.isEmpty()) {
                    throw new HttpProtocolException("missing CRLF after chunk data");
                }
                needSize = true;
            }
            return n;
        }

        private void readChunkSize() throws IOException {
            String line = HttpRequest.readLine(in, false);
            if (line == null) {
                throw new IOException("connection closed before the last chunk");
            }
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
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
                // Trailer section ends with an empty line.
                String trailer;
                do {
                    trailer = HttpRequest.readLine(in, false);
                    if (trailer == null) {
                        throw new IOException("connection closed inside the trailer");
                    }
                } while (!trailer.isEmpty());
                eof = true;
                return;
            }
            chunkRemaining = size;
            needSize = false;
        }

        boolean finished() {
            return eof;
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
