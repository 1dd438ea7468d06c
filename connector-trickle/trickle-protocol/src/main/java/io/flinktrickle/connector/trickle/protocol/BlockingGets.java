package io.flinktrickle.connector.trickle.protocol;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import javax.net.ssl.SSLContext;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The GETs of {@link JdkTrickleHttp}, on Apache HttpClient 5's classic (blocking) client, so that a
 * segment's body is read by the thread that consumes it, straight from the socket.
 *
 * <p>Why: a subscribed segment arrives in many small chunks (a publisher writes each frame's bytes
 * when they exist), and the JDK client hands every chunk from its selector thread to a worker
 * thread and on to the reading thread: three wake-ups per chunk. Profiled at one live stream, the
 * JDK client's threads took 19 % of the runner's CPU, more than H.264 decoding. Here a chunk costs
 * the consumer one blocking read.
 *
 * <p>What a GET costs instead: it waits for its response headers on a thread of its own ({@code
 * trickle-get-N}, a cached pool; a long poll or a preconnect holds one while it waits, as the JDK
 * client holds a pending exchange). The headers timeout is a timer ({@code trickle-get-timeouts})
 * that cancels the request, because the socket's read timeout also covers the body, which the
 * segment's own read watchdog times out ({@link TrickleClientConfig#readIdleTimeout}); the socket
 * timeout is the longer of the two, a last resort.
 *
 * <p>Closing a response whose body was not read to its end drops the connection (the client would
 * otherwise read the rest of a live segment to keep the connection). Threads: {@link #get} and
 * {@link #close} from any thread; a response's body from one thread at a time, its {@code close}
 * from any (it unblocks a read in progress).
 */
final class BlockingGets implements AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A GET's states: waiting for headers, headers arrived, or timed out by the timer. */
    private static final int WAITING = 0;

    private static final int ANSWERED = 1;
    private static final int TIMED_OUT = 2;

    private final TrickleClientConfig config;
    private final CloseableHttpClient client;
    private final ExecutorService waiters;
    private final ScheduledThreadPoolExecutor timeouts;

    BlockingGets(TrickleClientConfig config, SSLContext insecure) {
        this.config = config;
        PoolingHttpClientConnectionManagerBuilder pool =
                PoolingHttpClientConnectionManagerBuilder.create()
                        // As the JDK client: no limit per server (each channel holds one or two).
                        .setMaxConnPerRoute(Integer.MAX_VALUE)
                        .setMaxConnTotal(Integer.MAX_VALUE)
                        .setDefaultConnectionConfig(
                                ConnectionConfig.custom()
                                        .setConnectTimeout(timeout(config.connectTimeout()))
                                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                                        .build());
        if (insecure != null) {
            pool.setTlsSocketStrategy(
                    new DefaultClientTlsStrategy(insecure, NoopHostnameVerifier.INSTANCE));
        }
        this.client =
                HttpClients.custom()
                        .setConnectionManager(pool.build())
                        .disableAutomaticRetries()
                        .disableRedirectHandling()
                        .disableCookieManagement()
                        .disableContentCompression()
                        .disableAuthCaching()
                        .setUserAgent("flink-trickle")
                        .evictIdleConnections(TimeValue.ofSeconds(30))
                        .build();
        ThreadFactory factory =
                r -> {
                    Thread t = new Thread(r, "trickle-get-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    t.setContextClassLoader(null); // never pins a finished job's classes
                    return t;
                };
        this.waiters =
                new ThreadPoolExecutor(
                        0,
                        Integer.MAX_VALUE,
                        30,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        factory);
        this.timeouts =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = factory.newThread(r);
                            t.setName("trickle-get-timeouts");
                            return t;
                        });
        timeouts.setRemoveOnCancelPolicy(true);
        timeouts.setKeepAliveTime(30, TimeUnit.SECONDS);
        timeouts.allowCoreThreadTimeOut(true);
    }

    /**
     * Sends a GET; the future completes when the response headers arrive, or with {@link
     * HttpTimeoutException} after {@code headersTimeout} without them. Cancelling the future drops
     * the request.
     */
    CompletableFuture<TrickleHttp.Response> get(
            URI uri, Duration headersTimeout, String authorization) {
        HttpGet request = new HttpGet(uri);
        request.setConfig(
                RequestConfig.custom()
                        .setResponseTimeout(timeout(max(headersTimeout, config.readIdleTimeout())))
                        .build());
        if (authorization != null) {
            request.setHeader("Authorization", authorization);
        }
        CompletableFuture<TrickleHttp.Response> future = new CompletableFuture<>();
        AtomicInteger state = new AtomicInteger(WAITING);
        ScheduledFuture<?> timer =
                timeouts.schedule(
                        () -> {
                            if (state.compareAndSet(WAITING, TIMED_OUT)) {
                                future.completeExceptionally(
                                        new HttpTimeoutException(
                                                "GET "
                                                        + uri
                                                        + ": no response headers within "
                                                        + headersTimeout.toMillis()
                                                        + " ms"));
                                request.cancel(); // after: its failure must not win the race
                            }
                        },
                        headersTimeout.toNanos(),
                        TimeUnit.NANOSECONDS);
        future.whenComplete(
                (r, e) -> {
                    if (e instanceof CancellationException) {
                        timer.cancel(false);
                        request.cancel();
                    }
                });
        waiters.execute(() -> send(request, uri, state, timer, future));
        return future;
    }

    /** The waiter thread: sends the request and waits for the response headers. */
    private void send(
            HttpGet request,
            URI uri,
            AtomicInteger state,
            ScheduledFuture<?> timer,
            CompletableFuture<TrickleHttp.Response> future) {
        CloseableHttpResponse response;
        try {
            response =
                    client.execute(request, (org.apache.hc.core5.http.protocol.HttpContext) null);
        } catch (ConnectTimeoutException e) {
            timer.cancel(false);
            HttpConnectTimeoutException mapped =
                    new HttpConnectTimeoutException("GET " + uri + ": " + e.getMessage());
            mapped.initCause(e);
            future.completeExceptionally(mapped);
            return;
        } catch (IOException | RuntimeException e) {
            timer.cancel(false);
            future.completeExceptionally(e); // no-op when timed out or cancelled
            return;
        }
        timer.cancel(false);
        Answer answer = new Answer(request, response);
        if (!state.compareAndSet(WAITING, ANSWERED) || !future.complete(answer)) {
            answer.close(); // timed out or cancelled meanwhile
        }
    }

    @Override
    public void close() {
        waiters.shutdownNow();
        timeouts.shutdownNow();
        client.close(CloseMode.IMMEDIATE);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Timeout timeout(Duration d) {
        return Timeout.ofMilliseconds(Math.max(1, d.toMillis()));
    }

    /** A response whose body the consumer reads from the socket. */
    private static final class Answer implements TrickleHttp.Response {
        private final HttpGet request;
        private final CloseableHttpResponse response;
        private final Body body;

        Answer(HttpGet request, CloseableHttpResponse response) {
            this.request = request;
            this.response = response;
            this.body = new Body(this, response.getEntity());
        }

        @Override
        public int status() {
            return response.getCode();
        }

        @Override
        public Optional<String> header(String name) {
            Header h = response.getFirstHeader(name);
            return h == null ? Optional.empty() : Optional.of(h.getValue());
        }

        @Override
        public InputStream body() {
            return body;
        }

        @Override
        public void close() {
            if (!body.ended) {
                // The client would read the rest of the body to keep the connection: drop it.
                request.cancel();
            }
            try {
                response.close();
            } catch (IOException ignored) {
                // The connection is gone either way.
            }
        }
    }

    /** The entity's stream; notes its end, and closing it closes the response. */
    private static final class Body extends FilterInputStream {
        private final Answer answer;
        volatile boolean ended;

        Body(Answer answer, HttpEntity entity) {
            super(content(entity));
            this.answer = answer;
            this.ended = entity == null;
        }

        private static InputStream content(HttpEntity entity) {
            if (entity == null) {
                return InputStream.nullInputStream();
            }
            try {
                return entity.getContent();
            } catch (IOException e) {
                throw new IllegalStateException("the response body cannot be read", e);
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) {
                ended = true;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                ended = true;
            }
            return n;
        }

        @Override
        public void close() {
            answer.close();
        }
    }
}
