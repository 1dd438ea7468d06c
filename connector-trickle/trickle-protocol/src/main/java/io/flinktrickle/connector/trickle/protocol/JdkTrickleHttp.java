package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.Internal;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link TrickleHttp} for POSTs and DELETEs on the JDK's {@code java.net.http.HttpClient}, and for
 * GETs on Apache HttpClient 5's blocking client ({@link BlockingGets}); both HTTP/1.1 (every
 * trickle client and server speaks it; docs: trickle-protocol.md §5.5, §9).
 *
 * <p>Why the JDK client for POSTs: it was verified against go-livepeer's server for exactly what
 * trickle needs: with {@code BodyPublishers.fromPublisher} a POST's headers go out at once and its
 * body streams as written (a preconnect), interim {@code 100 Continue} keepalives are skipped, and
 * an early answer of the server (the body not yet complete) completes the response at once. ({@code
 * BodyPublishers.ofInputStream} must not be used: it sends nothing until the stream ends.)
 *
 * <p>Why not for GETs: its selector thread hands every chunk of a body to a worker thread, which
 * hands it to the reading thread; with a live segment's many small chunks that cost more CPU than
 * decoding the video (see {@link BlockingGets}), where a blocking client costs the reader one read.
 *
 * <p>Shared clients ({@link #shared}): a JDK 17 {@code HttpClient} cannot be closed (its selector
 * thread and pooled connections go only when it is no longer referenced), and it is built to be
 * shared: one selector thread and one connection pool serve every channel. {@link #shared} hands
 * out leases counted per settings; 30 s after the last lease is closed the client is dropped
 * (unless leased again meanwhile) and its GETs' client closed, so nothing of a finished job stays
 * reachable on a session cluster. Clients are built with no context class loader, so their threads
 * do not hold on to a job's classes either.
 *
 * <p>A configured {@link AccessToken} is sent as {@code Authorization: Bearer} on the requests to
 * its server only ({@link AccessToken#appliesTo}).
 *
 * <p>Threads: the JDK client's selector and worker threads, and those of {@link BlockingGets}; all
 * methods are thread-safe.
 */
@Internal
public final class JdkTrickleHttp implements TrickleHttp {

    private static final Map<TrickleClientConfig, Shared> SHARED = new HashMap<>();

    private static final String AUTHORIZATION = "Authorization";

    /** How long a shared client outlives its last lease. */
    static final Duration SHARED_LINGER = Duration.ofSeconds(30);

    private final HttpClient client;
    private final BlockingGets gets;
    private final TrickleClientConfig config;

    /** A shared client and the number of open leases on it. */
    private static final class Shared {
        final JdkTrickleHttp client;
        int leases;

        Shared(JdkTrickleHttp client) {
            this.client = client;
        }
    }

    /**
     * A lease on the client shared by everything in this JVM that uses these settings; close it
     * when done (the client goes away with its last lease).
     */
    public static TrickleHttp shared(TrickleClientConfig config) {
        Shared shared;
        synchronized (SHARED) {
            shared = SHARED.computeIfAbsent(config, c -> new Shared(new JdkTrickleHttp(c)));
            shared.leases++;
        }
        return new Lease(config, shared.client);
    }

    private static void release(TrickleClientConfig config, JdkTrickleHttp client) {
        synchronized (SHARED) {
            Shared shared = SHARED.get(config);
            if (shared != null && shared.client == client && --shared.leases == 0) {
                // Kept a while: streams that start and stop in turn reuse one client and its
                // pooled connections instead of leaving a trail of clients that Java 17 cannot
                // close. The JDK's own delay scheduler (not a thread of ours) drops it later.
                // The JDK's delay thread may be created by this call and would inherit the
                // caller's context class loader (a job's, on a task thread): not ours to pin.
                Thread current = Thread.currentThread();
                ClassLoader previous = current.getContextClassLoader();
                current.setContextClassLoader(null);
                try {
                    CompletableFuture.delayedExecutor(
                                    SHARED_LINGER.toMillis(),
                                    java.util.concurrent.TimeUnit.MILLISECONDS)
                            .execute(() -> dropIfUnused(config, shared));
                } finally {
                    current.setContextClassLoader(previous);
                }
            }
        }
    }

    /** The client behind a lease from {@link #shared} (null for anything else); for tests. */
    static JdkTrickleHttp clientOf(TrickleHttp http) {
        return http instanceof Lease ? ((Lease) http).client : null;
    }

    private static void dropIfUnused(TrickleClientConfig config, Shared shared) {
        synchronized (SHARED) {
            if (SHARED.get(config) != shared || shared.leases != 0) {
                return;
            }
            SHARED.remove(config);
        }
        shared.client.close(); // outside the lock: it may wait a moment for the client's threads
    }

    /** A client of its own; prefer {@link #shared}. */
    public JdkTrickleHttp(TrickleClientConfig config) {
        this.config = config;
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(null); // the client's threads inherit it
        try {
            HttpClient.Builder b =
                    HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(config.connectTimeout())
                            .followRedirects(HttpClient.Redirect.NEVER);
            SSLContext insecure = config.insecureSkipVerify() ? trustAll() : null;
            if (insecure != null) {
                b.sslContext(insecure);
            }
            this.client = b.build();
            this.gets = new BlockingGets(config, insecure);
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    @Override
    public CompletableFuture<Response> get(URI uri, Duration headersTimeout) {
        AccessToken token = config.accessToken();
        return gets.get(
                uri,
                headersTimeout,
                token != null && token.appliesTo(uri) ? token.headerValue() : null);
    }

    @Override
    public Upload post(URI uri, Map<String, String> headers) {
        StreamingBodyPublisher body =
                new StreamingBodyPublisher(
                        config.uploadBufferBytes(), config.readIdleTimeout().toMillis());
        HttpRequest.Builder rb =
                authorized(HttpRequest.newBuilder(uri), uri)
                        .POST(HttpRequest.BodyPublishers.fromPublisher(body));
        headers.forEach(rb::header);
        CompletableFuture<Response> response =
                client.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofInputStream())
                        .thenApply(JdkResponse::new);
        response.whenComplete(
                (r, e) ->
                        body.cancel(
                                e != null
                                        ? "the request failed: " + e
                                        : "the server already answered " + r.status()));
        return new JdkUpload(body, response);
    }

    @Override
    public CompletableFuture<Response> delete(URI uri) {
        HttpRequest request =
                authorized(HttpRequest.newBuilder(uri), uri)
                        .timeout(config.requestTimeout())
                        .DELETE()
                        .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(JdkResponse::new);
    }

    /** Adds the access token's header when the request goes to its server. */
    private HttpRequest.Builder authorized(HttpRequest.Builder request, URI uri) {
        AccessToken token = config.accessToken();
        if (token != null && token.appliesTo(uri)) {
            request.header(AUTHORIZATION, token.headerValue());
        }
        return request;
    }

    /**
     * Closes the GETs' client, its pooled connections and threads (responses still open fail). The
     * JDK client of the POSTs has no {@code close()} before Java 21; its connections close when it
     * is no longer referenced.
     */
    @Override
    public void close() {
        gets.close();
    }

    /** A counted use of a shared client; {@link #close()} gives it back once. */
    private static final class Lease implements TrickleHttp {
        private final TrickleClientConfig config;
        private final JdkTrickleHttp client;
        private final java.util.concurrent.atomic.AtomicBoolean closed =
                new java.util.concurrent.atomic.AtomicBoolean();

        Lease(TrickleClientConfig config, JdkTrickleHttp client) {
            this.config = config;
            this.client = client;
        }

        @Override
        public CompletableFuture<Response> get(URI uri, Duration headersTimeout) {
            return client.get(uri, headersTimeout);
        }

        @Override
        public Upload post(URI uri, Map<String, String> headers) {
            return client.post(uri, headers);
        }

        @Override
        public CompletableFuture<Response> delete(URI uri) {
            return client.delete(uri);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(config, client);
            }
        }
    }

    private static SSLContext trustAll() {
        TrustManager acceptAll =
                new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                    @Override
                    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {acceptAll}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available", e);
        }
    }

    private static final class JdkResponse implements Response {
        private final HttpResponse<InputStream> response;

        JdkResponse(HttpResponse<InputStream> response) {
            this.response = response;
        }

        @Override
        public int status() {
            return response.statusCode();
        }

        @Override
        public Optional<String> header(String name) {
            return response.headers().firstValue(name);
        }

        @Override
        public InputStream body() {
            return response.body();
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException ignored) {
                // Closing drops the connection; nothing else to do.
            }
        }
    }

    private static final class JdkUpload implements Upload {
        private final StreamingBodyPublisher body;
        private final CompletableFuture<Response> response;

        JdkUpload(StreamingBodyPublisher body, CompletableFuture<Response> response) {
            this.body = body;
            this.response = response;
        }

        @Override
        public void write(ByteBuffer data) throws IOException {
            body.write(data);
        }

        @Override
        public void complete() {
            body.complete();
        }

        @Override
        public void abort(Throwable cause) {
            body.abort(cause);
        }

        @Override
        public CompletableFuture<Response> response() {
            return response;
        }

        @Override
        public long bytesTaken() {
            return body.takenBytes();
        }
    }
}
