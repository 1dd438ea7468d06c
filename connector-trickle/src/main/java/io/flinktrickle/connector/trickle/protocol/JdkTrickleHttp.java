package io.flinktrickle.connector.trickle.protocol;

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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link TrickleHttp} on the JDK's {@code java.net.http.HttpClient}, pinned to HTTP/1.1 (every
 * trickle client and server speaks it; docs: trickle-protocol.md §5.5, §9).
 *
 * <p>Why this client: it needs no dependency, and it was verified against go-livepeer's server for
 * exactly what trickle needs: with {@code BodyPublishers.fromPublisher} a POST's headers go out at
 * once and its body streams as written (a preconnect), interim {@code 100 Continue} keepalives are
 * skipped, and a GET with {@code BodyHandlers.ofInputStream()} completes when the headers arrive,
 * then streams. ({@code BodyPublishers.ofInputStream} must not be used: it sends nothing until the
 * stream ends.) Jetty's client would do as well but adds a dependency.
 *
 * <p>One client per JVM and settings ({@link #shared}): a JDK 17 {@code HttpClient} cannot be
 * closed (its selector thread and pooled connections go only when it is garbage collected), and it
 * is built to be shared: one selector thread and one connection pool serve every channel. It uses
 * the JDK's default executor, so it holds no reference to job classes (no class loader leak on a
 * session cluster).
 *
 * <p>Threads: the client's selector and worker threads; all methods are thread-safe.
 */
public final class JdkTrickleHttp implements TrickleHttp {

    private static final Map<TrickleClientConfig, JdkTrickleHttp> SHARED =
            new ConcurrentHashMap<>();

    private final HttpClient client;
    private final TrickleClientConfig config;

    /** The JVM-wide client for these settings ({@link #close()} on it does nothing). */
    public static JdkTrickleHttp shared(TrickleClientConfig config) {
        return SHARED.computeIfAbsent(config, JdkTrickleHttp::new);
    }

    /** A client of its own; prefer {@link #shared}. */
    public JdkTrickleHttp(TrickleClientConfig config) {
        this.config = config;
        HttpClient.Builder b =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(config.connectTimeout())
                        .followRedirects(HttpClient.Redirect.NEVER);
        if (config.insecureSkipVerify()) {
            b.sslContext(trustAll());
        }
        this.client = b.build();
    }

    @Override
    public CompletableFuture<Response> get(URI uri, Duration headersTimeout) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(headersTimeout).GET().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(JdkResponse::new);
    }

    @Override
    public Upload post(URI uri, Map<String, String> headers) {
        StreamingBodyPublisher body = new StreamingBodyPublisher(config.uploadBufferBytes());
        HttpRequest.Builder rb =
                HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.fromPublisher(body));
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
                HttpRequest.newBuilder(uri).timeout(config.requestTimeout()).DELETE().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(JdkResponse::new);
    }

    /**
     * Nothing to release on Java 17: the JDK client has no {@code close()} before Java 21; its
     * connections close when it is no longer referenced.
     */
    @Override
    public void close() {}

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
