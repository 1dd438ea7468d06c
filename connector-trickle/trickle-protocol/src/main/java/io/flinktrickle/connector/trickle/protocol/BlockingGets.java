package io.flinktrickle.connector.trickle.protocol;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import javax.net.ssl.SSLContext;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
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
 * the consumer one read.
 *
 * <p>What a GET costs instead: it waits for its response headers on a thread of its own ({@code
 * trickle-get-N}, a cached pool; a long poll or a preconnect holds one while it waits, as the JDK
 * client holds a pending exchange). The headers timeout is a timer ({@code trickle-get-timeouts})
 * that cancels the request: a socket timeout would also cut a body that pauses, whose reads have
 * their own watchdog ({@link TrickleClientConfig#readIdleTimeout}, as with the JDK client). As the
 * JDK client: the JVM's proxy selector and default TLS context, one retry of a GET whose pooled
 * connection the server had closed, no redirects, cookies or compression.
 *
 * <p>Closing a response before the end of its body drops the connection (the client would otherwise
 * read the rest of a live segment to keep it); an answer without a body keeps its connection.
 * Threads: {@link #get} and {@link #close} from any thread; a response's body from one thread at a
 * time, its {@code close} from any (it unblocks a read in progress).
 */
final class BlockingGets implements AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A GET's states: waiting for headers, headers arrived, or timed out by the timer. */
    private static final int WAITING = 0;

    private static final int ANSWERED = 1;
    private static final int TIMED_OUT = 2;

    private final CloseableHttpClient client;
    private final ExecutorService waiters;
    private final ScheduledThreadPoolExecutor timeouts;

    BlockingGets(TrickleClientConfig config, SSLContext insecure) {
        PoolingHttpClientConnectionManagerBuilder pool =
                PoolingHttpClientConnectionManagerBuilder.create()
                        // As the JDK client: no limit per server (each channel holds one or two).
                        .setMaxConnPerRoute(Integer.MAX_VALUE)
                        .setMaxConnTotal(Integer.MAX_VALUE)
                        .setTlsSocketStrategy(tls(insecure))
                        .setDefaultConnectionConfig(
                                ConnectionConfig.custom()
                                        .setConnectTimeout(
                                                Timeout.ofMilliseconds(
                                                        Math.max(
                                                                1,
                                                                config.connectTimeout()
                                                                        .toMillis())))
                                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                                        .build());
        this.client =
                HttpClients.custom()
                        .setConnectionManager(pool.build())
                        .setRoutePlanner(new SystemDefaultRoutePlanner(ProxySelector.getDefault()))
                        .setRetryStrategy(new StaleConnectionRetry())
                        .disableRedirectHandling()
                        .disableCookieManagement()
                        .disableContentCompression()
                        .disableAuthCaching()
                        .setUserAgent("flink-trickle")
                        .evictIdleConnections(TimeValue.ofSeconds(30))
                        .build();
        ThreadFactory factory =
                r -> {
                    // No inherited thread-locals (a task thread may create it), no job class
                    // loader: it never pins a finished job's classes.
                    Thread t =
                            new Thread(
                                    null, r, "trickle-get-" + THREADS.incrementAndGet(), 0, false);
                    t.setDaemon(true);
                    t.setContextClassLoader(null);
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
     * HttpTimeoutException} after {@code headersTimeout} without them, or {@link
     * HttpConnectTimeoutException} when the connection could not be opened in time. Cancelling the
     * future drops the request.
     */
    CompletableFuture<TrickleHttp.Response> get(
            URI uri, Duration headersTimeout, String authorization) {
        HttpGet request = new HttpGet(uri);
        // No socket timeout: the timer below times the headers, and the body's reads have the
        // segment's watchdog.
        request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.DISABLED).build());
        if (authorization != null) {
            request.setHeader("Authorization", authorization);
        }
        CompletableFuture<TrickleHttp.Response> future = new CompletableFuture<>();
        AtomicInteger state = new AtomicInteger(WAITING);
        try {
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
                                    request.cancel(); // after: its failure must not win
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
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(
                    new IOException("GET " + uri + ": the HTTP client is closed", e));
        }
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
            response = client.execute(request, (HttpContext) null);
        } catch (IOException e) {
            timer.cancel(false);
            future.completeExceptionally(named(e, uri)); // no-op when timed out or cancelled
            return;
        } catch (Throwable e) {
            timer.cancel(false);
            future.completeExceptionally(e); // no-op when timed out or cancelled
            return;
        }
        try {
            Answer answer = new Answer(request, response);
            if (!state.compareAndSet(WAITING, ANSWERED) || !future.complete(answer)) {
                answer.close(); // timed out or cancelled meanwhile
            }
        } catch (Throwable e) {
            response.close(CloseMode.IMMEDIATE);
            future.completeExceptionally(e);
        } finally {
            timer.cancel(false);
        }
    }

    /**
     * The failure of a GET as the JDK client's would be ({@link HttpConnectTimeoutException},
     * {@link ConnectException} or an {@link IOException}), with a message that names the request.
     * The client's own exception is attached as suppressed rather than as the cause: accounts of a
     * failure that show its deepest cause with a message (a job's failure reason) must name the
     * channel, and the client's says only {@code Connect to http://host:port failed}.
     */
    static IOException named(IOException failure, URI uri) {
        String message =
                "GET " + uri + ": " + Objects.toString(failure.getMessage(), failure.toString());
        IOException named;
        if (failure instanceof ConnectTimeoutException) {
            named = new HttpConnectTimeoutException(message);
        } else if (failure instanceof ConnectException) {
            named = new ConnectException(message);
        } else {
            named = new IOException(message);
        }
        named.addSuppressed(failure);
        return named;
    }

    @Override
    public void close() {
        waiters.shutdownNow();
        timeouts.shutdownNow();
        client.close(CloseMode.IMMEDIATE);
    }

    /**
     * TLS as the JDK client has it: the JVM's default context (its trust and key stores), host
     * names checked by JSSE; with {@code insecureSkipVerify} any certificate, host names still
     * checked unless {@code -Djdk.internal.httpclient.disableHostnameVerification} (the JDK
     * client's switch, which {@link TrickleClientConfig.Builder#insecureSkipVerify} documents).
     */
    private static DefaultClientTlsStrategy tls(SSLContext insecure) {
        if (insecure == null) {
            try {
                return new DefaultClientTlsStrategy(
                        SSLContext.getDefault(),
                        HostnameVerificationPolicy.BUILTIN,
                        NoopHostnameVerifier.INSTANCE);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("TLS is not available", e);
            }
        }
        String off = System.getProperty("jdk.internal.httpclient.disableHostnameVerification");
        boolean check = off == null || "false".equalsIgnoreCase(off);
        return new DefaultClientTlsStrategy(
                insecure,
                check ? HostnameVerificationPolicy.BUILTIN : HostnameVerificationPolicy.CLIENT,
                NoopHostnameVerifier.INSTANCE);
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
            if (body.ended || empty()) {
                try {
                    response.close(); // reads what is left; the connection goes back to the pool
                    return;
                } catch (IOException ignored) {
                    // Dropped below.
                }
            }
            // A segment still streaming: the client would read it to its end to keep the
            // connection. Drop the connection instead (this also ends a read blocked in another
            // thread) without touching the body's stream, which that thread may be reading.
            request.cancel();
            response.close(CloseMode.IMMEDIATE);
        }

        /**
         * An answer without a body (a {@code /next}, a closed channel): nothing to read, the
         * connection is kept. Anything else not read to its end is dropped, even a short error
         * text: with no socket timeout, reading a body the server stalls in would block close.
         */
        private boolean empty() {
            HttpEntity entity = response.getEntity();
            return entity == null || entity.getContentLength() == 0;
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
