package io.flinktrickle.controlapi.testutils;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a trickle server that can refuse for a while, as an overloaded or
 * restarting server behind a load balancer does: {@link #refuseFor} drops every open connection
 * (uploads in flight break mid-body) and answers each new request {@code 503} until the time is up;
 * then it forwards again. Bytes are forwarded untouched otherwise.
 *
 * <p>Threads: one acceptor, and two pump threads per forwarded connection (all daemons).
 */
public final class RefusingProxy implements AutoCloseable {
    private static final byte[] UNAVAILABLE =
            ("HTTP/1.1 503 Service Unavailable\r\n"
                            + "Content-Type: text/plain\r\n"
                            + "Content-Length: 11\r\n"
                            + "Connection: close\r\n\r\n"
                            + "unavailable")
                    .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile long refuseUntilNanos = System.nanoTime();
    private volatile boolean closed;

    public RefusingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::acceptLoop, "refusing-proxy-accept").start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Requests answered 503 so far. */
    public int refused() {
        return refused.get();
    }

    /** Drops every open connection now and answers 503 to every request for {@code d}. */
    public void refuseFor(Duration d) {
        refuseUntilNanos = System.nanoTime() + d.toNanos();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    private boolean refusing() {
        return System.nanoTime() - refuseUntilNanos < 0;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (refusing()) {
                daemon(() -> refuse(client), "refusing-proxy-503").start();
                continue;
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(upstream);
                AtomicInteger pumps = new AtomicInteger(2);
                daemon(() -> pump(client, upstream, pumps), "refusing-proxy-up").start();
                daemon(() -> pump(upstream, client, pumps), "refusing-proxy-down").start();
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    /** Reads the request head (best effort) and answers 503; the body, if any, is not read. */
    private void refuse(Socket client) {
        try (client) {
            client.setSoTimeout(1000);
            InputStream in = client.getInputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            while (matched < end.length) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            refused.incrementAndGet();
            OutputStream out = client.getOutputStream();
            out.write(UNAVAILABLE);
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Copies one direction; the second pump of a pair to end closes both sockets. */
    private void pump(Socket from, Socket to, AtomicInteger pumps) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // dropped by refuseFor, or a peer went away: end both directions
            closeQuietly(from);
            closeQuietly(to);
        } finally {
            if (pumps.decrementAndGet() == 0) {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
