package io.flinktrickle.controlapi.flink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.runtime.highavailability.nonha.standalone.StandaloneClientHAServices;
import org.apache.flink.runtime.rest.FileUpload;
import org.apache.flink.runtime.rest.RestClient;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.MessageHeaders;
import org.apache.flink.runtime.rest.messages.MessageParameters;
import org.apache.flink.runtime.rest.messages.RequestBody;
import org.apache.flink.runtime.rest.messages.ResponseBody;
import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadResponseBody;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.concurrent.Executors;
import org.apache.flink.util.function.SupplierWithException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link RemoteFlinkTarget}'s calls to a JobManager's REST API, made with Flink's own clients: a
 * {@link RestClusterClient} for the calls that may be repeated (it tries a call that finds no
 * connection, or a 503, again: {@link #RETRY_ATTEMPTS} more times, {@link #RETRY_DELAY} apart), and
 * a {@link RestClient} for the two that must not: a jar run, which a connection lost after the
 * JobManager got it would submit twice, and the jar upload (multipart: {@link JarUploadHeaders}
 * with the jar as a {@link FileUpload}, which the cluster client does not offer). Every call waits
 * at most its timeout. An error Flink answers with becomes a {@link FlinkRestRefusal}; no answer
 * (no connection, a timeout) an {@link IOException} saying the cluster is unreachable.
 *
 * <p>Threads: {@link #send}, {@link #call}, {@link #sendOnce} and {@link #upload} block their
 * caller's thread; the clients' netty threads do the socket I/O and the cluster client's retry
 * thread the waits between tries. The clients are made on the first call (so a target that never
 * calls makes no threads) and closed by {@link #close()}, under this object's lock; the
 * reachability flag is volatile.
 */
@Internal
final class FlinkRestCalls implements AutoCloseable {

    /** How many more times the cluster client tries a call that found no connection. */
    static final int RETRY_ATTEMPTS = 2;

    /** Between those tries: short, so that a cluster that is down is reported within a call. */
    static final Duration RETRY_DELAY = Duration.ofMillis(200);

    /** How long closing waits for the requests in flight of the client that does not retry. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final String JAR_CONTENT_TYPE = "application/java-archive";
    private static final int DEFAULT_HTTP_PORT = 80;
    private static final int DEFAULT_HTTPS_PORT = 443;
    private static final String HTTPS = "https";

    private final URI base;
    private final Configuration configuration;
    private RestClusterClient<StandaloneClusterId> cluster;
    private RestClient once;
    private boolean closed;
    private volatile boolean answered;

    /**
     * @param base the REST address, ending with {@code /}
     * @param requestTimeout bounds connecting and waiting for the JobManager's leader address
     * @param extra further client settings (e.g. {@code security.ssl.rest.*})
     */
    FlinkRestCalls(URI base, Duration requestTimeout, Configuration extra) {
        this.base = base;
        this.configuration = clientConfiguration(base, requestTimeout, extra);
    }

    /**
     * Flink's client settings for {@code base}: its address, and this class's timeouts and tries.
     */
    static Configuration clientConfiguration(URI base, Duration timeout, Configuration extra) {
        Configuration c = new Configuration(extra);
        boolean https = HTTPS.equals(base.getScheme());
        int port = base.getPort();
        c.set(RestOptions.ADDRESS, base.getHost());
        c.set(RestOptions.PORT, port > 0 ? port : https ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT);
        c.set(RestOptions.URL_PREFIX, base.getPath()); // "/", or a proxy's prefix ("/flink/")
        c.set(SecurityOptions.SSL_REST_ENABLED, https);
        c.set(RestOptions.CONNECTION_TIMEOUT, timeout);
        c.set(RestOptions.AWAIT_LEADER_TIMEOUT, timeout);
        c.set(RestOptions.RETRY_MAX_ATTEMPTS, RETRY_ATTEMPTS);
        c.set(RestOptions.RETRY_DELAY, RETRY_DELAY);
        return c;
    }

    /** Whether the last call got an answer (an error too) from the cluster. */
    boolean answered() {
        return answered;
    }

    /**
     * Sends {@code headers}' request with the cluster client; returns Flink's answer.
     *
     * @throws FlinkRestRefusal when Flink answered with an error
     * @throws IOException when Flink did not answer within {@code timeout}
     */
    <
                    M extends MessageHeaders<R, P, U>,
                    U extends MessageParameters,
                    R extends RequestBody,
                    P extends ResponseBody>
            P send(M headers, U parameters, R request, Duration timeout)
                    throws IOException, InterruptedException {
        return call(
                describe(headers),
                timeout,
                client -> client.sendRequest(headers, parameters, request));
    }

    /**
     * One call through the cluster client, e.g. {@code client -> client.cancel(job)}, named {@code
     * what} (as in {@code GET /jobs/:jobid}) in its errors.
     */
    <T> T call(String what, Duration timeout, ClientCall<T> call)
            throws IOException, InterruptedException {
        return await(what, timeout, () -> call.send(client()));
    }

    /**
     * Sends {@code headers}' request once, with {@code files} as its multipart attachments; returns
     * Flink's answer. Throws as {@link #send} does.
     */
    <
                    M extends MessageHeaders<R, P, U>,
                    U extends MessageParameters,
                    R extends RequestBody,
                    P extends ResponseBody>
            P sendOnce(M headers, U parameters, R request, List<FileUpload> files, Duration timeout)
                    throws IOException, InterruptedException {
        return await(
                describe(headers),
                timeout,
                () ->
                        onceClient()
                                .sendRequest(
                                        base.getHost(),
                                        configuration.get(RestOptions.PORT),
                                        headers,
                                        parameters,
                                        request,
                                        files));
    }

    /** Uploads {@code jar} ({@code POST /jars/upload}, multipart); returns Flink's file name. */
    String upload(Path jar, Duration timeout) throws IOException, InterruptedException {
        JarUploadResponseBody uploaded =
                sendOnce(
                        JarUploadHeaders.getInstance(),
                        EmptyMessageParameters.getInstance(),
                        EmptyRequestBody.getInstance(),
                        List.of(new FileUpload(jar, JAR_CONTENT_TYPE)),
                        timeout);
        return uploaded.getFilename();
    }

    /** Closes the clients; calls after this fail. */
    @Override
    public synchronized void close() {
        closed = true;
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
        if (once != null) {
            once.shutdown(CLOSE_TIMEOUT);
            once = null;
        }
    }

    private <T> T await(
            String what,
            Duration timeout,
            SupplierWithException<CompletableFuture<T>, IOException> send)
            throws IOException, InterruptedException {
        CompletableFuture<T> answer;
        try {
            answer = send.get();
        } catch (IOException e) {
            throw unreachable(what, e);
        }
        try {
            T value = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            answered = true;
            return value;
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw unreachable(what, new TimeoutException("no answer within " + timeout));
        } catch (ExecutionException e) {
            Optional<RestClientException> refused =
                    ExceptionUtils.findThrowable(e, RestClientException.class);
            if (refused.isPresent()) {
                answered = true;
                throw new FlinkRestRefusal(what, refused.get());
            }
            throw unreachable(what, ExceptionUtils.stripExecutionException(e));
        }
    }

    private IOException unreachable(String what, Throwable cause) {
        answered = false;
        Throwable root = ExceptionUtils.stripCompletionException(cause);
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new IOException(
                "Flink at " + base + " is unreachable: " + what + ": " + root, cause);
    }

    private synchronized RestClusterClient<StandaloneClusterId> client() throws IOException {
        checkOpen();
        if (cluster == null) {
            try {
                // The leader is this URL as given: the default HA services would resolve the
                // host in the constructor, after its RestClient opened its event loop, and a
                // name that does not resolve yet (a JobManager still starting) would leak that
                // event loop on every try.
                String leader = base.getScheme() + "://" + base.getRawAuthority();
                cluster =
                        new RestClusterClient<>(
                                configuration,
                                StandaloneClusterId.getInstance(),
                                (config, fatal) -> new StandaloneClientHAServices(leader));
            } catch (Exception e) {
                throw new IOException("cannot make a REST client for " + base + ": " + e, e);
            }
        }
        return cluster;
    }

    private synchronized RestClient onceClient() throws IOException {
        checkOpen();
        if (once == null) {
            try {
                once = RestClient.forUrl(configuration, Executors.directExecutor(), base.toURL());
            } catch (Exception e) {
                throw new IOException("cannot make a REST client for " + base + ": " + e, e);
            }
        }
        return once;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the REST clients of " + base + " are closed");
        }
    }

    private static String describe(MessageHeaders<?, ?, ?> headers) {
        return headers.getHttpMethod().name() + " " + headers.getTargetRestEndpointURL();
    }

    /** A call through the cluster client. */
    @FunctionalInterface
    interface ClientCall<T> {
        CompletableFuture<T> send(RestClusterClient<StandaloneClusterId> client) throws IOException;
    }
}
