package io.flinktrickle.connector.trickle.server.http;

import org.apache.flink.annotation.Internal;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 side of the embedded trickle server, on Jetty 12: Jetty parses and validates
 * requests (RFC 9110 compliance: no Content-Length with Transfer-Encoding, no duplicate or signed
 * Content-Length, no unknown transfer coding, no obs-fold, no space before a colon, no control
 * characters in a field, bounded heads and chunk sizes), frames responses and streams bodies both
 * ways; this class runs a blocking {@link HttpHandler} per request on Jetty's thread pool.
 *
 * <p>What Jetty does not do is added here and in {@link HttpExchange}: a deadline for a request
 * head (a connection that has not delivered a complete head within {@code headTimeout} of opening
 * or of its previous response is closed, so slow heads cannot pin connections), go-livepeer's
 * repeated {@code 100 Continue}, and noticing a client that leaves a long poll ({@link PeerWatch}).
 * Error answers from Jetty (malformed requests, a failed handler) are plain text with the status
 * only, never exception text.
 *
 * <p>Threads: Jetty's acceptor and selector threads and a pool of handler threads ({@code
 * <name>-N}, at most {@code maxConnections} of them busy, since each connection runs at most one
 * request), and one deadline thread; all daemons. {@link #close()} may be called from any thread.
 */
@Internal
public final class JettyHttpServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(JettyHttpServer.class);

    /**
     * Request line plus header fields; Go's default is 1 MiB, trickle requests need about 1 KiB.
     */
    public static final int MAX_REQUEST_HEAD_BYTES = 16 * 1024;

    /** Threads beyond one per connection: acceptor, selector and a few spare. */
    private static final int EXTRA_THREADS = 8;

    private final Server server;
    private final ServerConnector connector;
    private final ScheduledExecutorService deadlines;
    private final Map<Connection, ConnectionState> connections = new ConcurrentHashMap<>();
    private final long headTimeoutNanos;
    private volatile boolean closing;

    public JettyHttpServer(
            String host,
            int port,
            int maxConnections,
            Duration headTimeout,
            HttpHandler handler,
            String name) {
        this.headTimeoutNanos = headTimeout.toNanos();
        QueuedThreadPool pool = new QueuedThreadPool(maxConnections + EXTRA_THREADS, 2);
        pool.setName(name);
        pool.setDaemon(true);
        pool.setReservedThreads(0);
        this.server =
                new Server(pool, new ScheduledExecutorScheduler(name + "-scheduler", true), null);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(true);
        http.setHttpCompliance(HttpCompliance.RFC9110);
        http.setRequestHeaderSize(MAX_REQUEST_HEAD_BYTES);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setReuseAddress(true);
        connector.setAcceptQueueSize(256);
        connector.setIdleTimeout(headTimeout.toMillis());
        connector.addBean(new ConnectionTracker());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(maxConnections, connector));
        server.setHandler(new Dispatch(handler));
        server.setErrorHandler(JettyHttpServer::plainError);
        this.deadlines =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, name + "-deadlines");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** Binds and starts serving; returns once the port is bound. */
    public void start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("cannot start the HTTP server: " + e.getMessage(), e);
        }
        long every = Math.max(TimeUnit.SECONDS.toNanos(1), headTimeoutNanos / 10);
        deadlines.scheduleWithFixedDelay(this::closeSlowHeads, every, every, TimeUnit.NANOSECONDS);
    }

    /** The bound port (useful when started with port 0). */
    public int port() {
        int p = connector.getLocalPort();
        if (p <= 0) {
            throw new IllegalStateException("not started");
        }
        return p;
    }

    private void closeSlowHeads() {
        long now = System.nanoTime();
        connections.forEach(
                (connection, state) -> {
                    // A head parsed since (messages in grew) has a handler about to start.
                    if (state.active == 0
                            && now - state.idleSince > headTimeoutNanos
                            && connection.getMessagesIn() == state.messagesAtIdle) {
                        LOG.debug("closing {}: no complete request head in time", connection);
                        connection.getEndPoint().close();
                    }
                });
    }

    /** Only {@code chunked} alone, or no transfer coding (RFC 9110 §6.1: else 501). */
    private static boolean supportedFraming(Request request) {
        List<String> codings = request.getHeaders().getCSV(HttpHeader.TRANSFER_ENCODING, false);
        return codings.isEmpty()
                || (codings.size() == 1 && "chunked".equalsIgnoreCase(codings.get(0).trim()));
    }

    private static void refuseCoding(HttpExchange exchange) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(HttpHeader.CONNECTION.asString(), "close");
        try {
            exchange.respondText(501, headers, "Unsupported transfer encoding");
            exchange.finish(null);
        } catch (IOException | RuntimeException e) {
            exchange.finish(e);
        }
    }

    /** Jetty's error answers (bad requests, failed handlers): the status and nothing else. */
    private static boolean plainError(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : 500;
        String reason = HttpStatus.getMessage(status);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        Content.Sink.write(response, true, status + " " + reason + "\n", callback);
        return true;
    }

    /**
     * Stops like a process that exits: the connections are dropped first, so that no handler's
     * answer (a 500 for an upload cut short by the stop) reaches a client, which would take it for
     * the server's verdict instead of retrying.
     */
    @Override
    public void close() {
        deadlines.shutdownNow();
        closing = true; // a connection opened from now on is closed at once
        connections.keySet().forEach(c -> c.getEndPoint().close());
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP server failed", e);
        }
    }

    /** Per connection: requests in progress and since when it has been waiting for a head. */
    private static final class ConnectionState {
        volatile int active;
        volatile long idleSince = System.nanoTime();
        volatile long messagesAtIdle;
    }

    /** Keeps {@link #connections} in step with Jetty's connections. */
    private final class ConnectionTracker implements Connection.Listener {
        @Override
        public void onOpened(Connection connection) {
            if (closing) {
                connection.getEndPoint().close();
                return;
            }
            connections.put(connection, new ConnectionState());
        }

        @Override
        public void onClosed(Connection connection) {
            connections.remove(connection);
        }
    }

    /** Runs the blocking handler on the thread Jetty calls it on (a pool thread). */
    private final class Dispatch extends Handler.Abstract {
        private final HttpHandler handler;

        Dispatch(HttpHandler handler) {
            super(InvocationType.BLOCKING);
            this.handler = handler;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            HttpExchange exchange = new HttpExchange(request, response, callback);
            if (!supportedFraming(request)) {
                // Jetty accepts codings before chunked ("gzip, chunked") for handlers that decode
                // them; none here does, and Go's server answers 501 too.
                refuseCoding(exchange);
                return true;
            }
            ConnectionState state =
                    connections.get(request.getConnectionMetaData().getConnection());
            if (state != null) {
                state.active++;
            }
            // The handlers bound their own waits (long polls, silent uploads; a read's timeout is
            // transient, see RequestBody); only a write that makes no progress for the idle
            // timeout fails.
            request.addIdleTimeoutListener(timeout -> exchange.isWriting());
            Throwable failure = null;
            try {
                handler.handle(exchange);
            } catch (Throwable t) {
                failure = t;
                if (!(t instanceof IOException)) {
                    LOG.error("{} failed", exchange.request(), t);
                }
            } finally {
                if (state != null) {
                    state.messagesAtIdle =
                            request.getConnectionMetaData().getConnection().getMessagesIn();
                    state.idleSince = System.nanoTime();
                    state.active--;
                }
                exchange.finish(failure);
            }
            return true;
        }
    }
}
