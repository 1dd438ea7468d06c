package io.flinktrickle.connector.trickle.server.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small blocking HTTP/1.1 server: one thread per connection, at most {@code maxConnections} of
 * them (a connection past that gets {@code 503} and is closed).
 *
 * <p>Why not Jetty, the JDK's {@code HttpServer} or another library: the trickle protocol needs
 * wire behaviour those servers do not offer. A silent preconnected upload must receive an
 * unsolicited interim {@code 100 Continue} every 10 s (go-livepeer's keepalive; Jetty 12 refuses a
 * 100 that the client did not ask for with {@code Expect}, and sends at most one; the JDK server
 * cannot send interim responses at all). A long-poll must send no status line until the first
 * segment byte exists, and a blocked upload must be answered and released when another request
 * closes its segment. Thread-per-connection blocking I/O keeps all of that explicit. This server is
 * for local runs, demos and tests; production traffic goes through the orchestrator's own trickle
 * server.
 *
 * <p>Threads: one acceptor thread ({@code <name>-acceptor}) and one thread per connection ({@code
 * <name>-conn-N}), all daemons. {@link #close()} may be called from any thread.
 */
public final class MiniHttpServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(MiniHttpServer.class);

    /** How long a keep-alive connection may sit idle between requests. */
    private static final int IDLE_CONNECTION_MILLIS = 10 * 60 * 1000;

    private final String host;
    private final int requestedPort;
    private final HttpHandler handler;
    private final String name;
    private final ThreadPoolExecutor connections;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket serverSocket;
    private volatile boolean closed;

    /** How long and how much a closing connection still reads (see {@link #lingeringClose}). */
    private static final int LINGER_MILLIS = 2_000;

    private static final long LINGER_MAX_BYTES = 16L * 1024 * 1024;
    private Thread acceptor;

    public MiniHttpServer(
            String host, int port, int maxConnections, HttpHandler handler, String name) {
        this.host = host;
        this.requestedPort = port;
        this.handler = handler;
        this.name = name;
        AtomicInteger counter = new AtomicInteger();
        this.connections =
                new ThreadPoolExecutor(
                        0,
                        maxConnections,
                        30,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        r -> {
                            Thread t = new Thread(r, name + "-conn-" + counter.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** Binds and starts accepting; returns once the port is bound. */
    public synchronized void start() throws IOException {
        if (serverSocket != null) {
            throw new IllegalStateException("already started");
        }
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(host), requestedPort), 256);
        serverSocket = ss;
        acceptor = new Thread(this::acceptLoop, name + "-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The bound port (useful when started with port 0). */
    public int port() {
        ServerSocket ss = serverSocket;
        if (ss == null) {
            throw new IllegalStateException("not started");
        }
        return ss.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: accept failed", name, e);
                }
                continue;
            }
            try {
                connections.execute(() -> serve(socket));
            } catch (RejectedExecutionException e) {
                rejectBusy(socket);
            }
        }
    }

    private void rejectBusy(Socket socket) {
        LOG.warn(
                "{}: too many connections, answering 503 to {}",
                name,
                socket.getRemoteSocketAddress());
        try (socket) {
            socket.getOutputStream()
                    .write(
                            HttpRequest.ascii(
                                    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                                            + "Content-Length: 0\r\n\r\n"));
        } catch (IOException ignored) {
            // The client is gone already.
        }
    }

    private void serve(Socket socket) {
        sockets.add(socket);
        try (socket) {
            socket.setTcpNoDelay(true);
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            while (!closed) {
                socket.setSoTimeout(IDLE_CONNECTION_MILLIS);
                HttpRequest request;
                try {
                    request = HttpRequest.readHead(in);
                } catch (HttpProtocolException e) {
                    badRequest(socket, in, out, e.getMessage());
                    lingeringClose(socket, in);
                    return;
                }
                if (request == null) {
                    return;
                }
                if (!serveOne(socket, in, out, request)) {
                    lingeringClose(socket, in);
                    return;
                }
            }
        } catch (SocketException e) {
            LOG.debug("{}: connection ended: {}", name, e.toString());
        } catch (IOException e) {
            LOG.debug("{}: connection failed", name, e);
        } catch (RuntimeException e) {
            LOG.error("{}: handler failed", name, e);
        } finally {
            sockets.remove(socket);
        }
    }

    /** Serves one request; returns whether the connection can carry another one. */
    private boolean serveOne(
            Socket socket, BufferedInputStream in, OutputStream out, HttpRequest request)
            throws IOException {
        InputStream body;
        try {
            if (request.isChunked()) {
                body = new BodyInputStreams.Chunked(in);
            } else {
                long length = request.contentLength();
                body =
                        length > 0
                                ? new BodyInputStreams.Fixed(in, length)
                                : InputStream.nullInputStream();
            }
        } catch (HttpProtocolException e) {
            badRequest(socket, in, out, e.getMessage());
            return false;
        }
        request.setBody(body);
        HttpExchange exchange = new HttpExchange(socket, in, out, request);
        if (request.headerContainsToken("Expect", "100-continue")) {
            exchange.sendContinue();
        }
        handler.handle(exchange);
        if (!exchange.responded()) {
            throw new IllegalStateException("handler sent no response for " + request);
        }
        out.flush();
        return !exchange.closeConnection()
                && request.isHttp11()
                && !request.headerContainsToken("Connection", "close")
                && BodyInputStreams.isFinished(body);
    }

    /**
     * Before closing a connection whose request body was not read to its end (an early 404, 400 or
     * 413 answer): send FIN after the answer, then read and discard what the client still sends,
     * for a bounded time and amount. Closing with unread bytes would make the kernel reset the
     * connection, and the reset can destroy the answer before the client reads it (the client then
     * sees "no bytes" instead of the status). What every HTTP server calls lingering close;
     * hand-written here because this server is (see the class comment).
     */
    private static void lingeringClose(Socket socket, InputStream in) {
        try {
            socket.shutdownOutput();
            socket.setSoTimeout(LINGER_MILLIS);
            byte[] discard = new byte[64 * 1024];
            long left = LINGER_MAX_BYTES;
            long deadline = System.nanoTime() + LINGER_MILLIS * 1_000_000L;
            int n;
            while (left > 0 && System.nanoTime() < deadline && (n = in.read(discard)) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // the client closed or reset first: nothing left to protect
        }
    }

    private void badRequest(Socket socket, InputStream in, OutputStream out, String why)
            throws IOException {
        HttpExchange exchange =
                new HttpExchange(socket, (BufferedInputStream) in, out, HttpRequest.malformed());
        exchange.closeConnectionAfterResponse();
        exchange.respondText(400, "Bad Request", new LinkedHashMap<>(), "400 Bad Request: " + why);
    }

    @Override
    public void close() {
        closed = true;
        ServerSocket ss = serverSocket;
        if (ss != null) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        connections.shutdownNow();
        try {
            if (acceptor != null) {
                acceptor.join(5_000);
            }
            connections.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
