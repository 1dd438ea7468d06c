package io.flinktrickle.controlapi.metrics;

import org.apache.flink.annotation.Internal;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.BindException;

/**
 * Serves a registry at {@code /metrics} in the Prometheus text format (and OpenMetrics or protobuf
 * when a scraper asks for them) with the Prometheus client's exporter: the JDK's HTTP server on its
 * own port, so that Prometheus need not reach the HTTP API (nor know its token). It answers scrapes
 * only: nothing is computed between them. Threads: {@link #start} and {@link #close} on the
 * caller's; scrapes on the exporter's daemon threads.
 */
@Internal
public final class MetricsServer implements AutoCloseable {

    /** The setting that names the port, for error messages. */
    static final String SETTING = "METRICS_PORT";

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /**
     * Listens on {@code host}:{@code port} (0: any free port).
     *
     * @throws IllegalArgumentException naming {@link #SETTING} when the port is in use
     * @throws IOException when the server cannot start otherwise
     */
    public static MetricsServer start(String host, int port, PrometheusRegistry registry)
            throws IOException {
        try {
            return new MetricsServer(
                    HTTPServer.builder()
                            .hostname(host)
                            .port(port)
                            .registry(registry)
                            .buildAndStart());
        } catch (BindException e) {
            throw new IllegalArgumentException(
                    SETTING
                            + " "
                            + port
                            + " on "
                            + host
                            + " is in use ("
                            + e.getMessage()
                            + "): set another port, 0 for any, or off",
                    e);
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
