package io.flinktrickle.connector.trickle.testutils;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A local port that refuses connections and that nothing else can take while this is open: bound by
 * a socket that never listens. A port merely found free ({@code new ServerSocket(0)}, closed) can
 * be taken by another test JVM's server before it is used; seen in CI, where the connection was
 * then accepted instead of refused.
 */
public final class RefusedPort implements AutoCloseable {
    private final Socket holder = new Socket();

    public RefusedPort() throws IOException {
        holder.setReuseAddress(false);
        holder.bind(new InetSocketAddress("127.0.0.1", 0));
    }

    public int port() {
        return holder.getLocalPort();
    }

    /** Frees the port (e.g. for a server the test starts on it later). */
    @Override
    public void close() throws IOException {
        holder.close();
    }
}
