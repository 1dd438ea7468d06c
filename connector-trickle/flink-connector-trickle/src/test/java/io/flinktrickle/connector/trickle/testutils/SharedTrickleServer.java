package io.flinktrickle.connector.trickle.testutils;

import io.flinktrickle.connector.trickle.server.TrickleServer;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One embedded trickle server per test JVM, the external system of the connector testing framework
 * suites. It keeps 10 000 segments per channel, so the suites' data is never evicted while a job is
 * restarting; it is stopped when the JVM exits.
 */
public final class SharedTrickleServer {

    private static TrickleServer server;

    private SharedTrickleServer() {}

    public static synchronized TrickleServer get() {
        if (server == null) {
            try {
                server = TrickleServer.builder().retainedSegments(10_000).build().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            TrickleServer s = server;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return server;
    }
}
