package io.flinktrickle.controlapi.flink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Flink's Prometheus reporter ({@code flink-metrics-prometheus}, on the sidecar's classpath) for
 * the embedded MiniCluster: one reporter for the JobManager and the TaskManager of the sidecar's
 * JVM, pulled by Prometheus (no timer of its own). Metric names come from the logical scope ({@code
 * flink_taskmanager_job_task_operator_stream_fpsIn}); the scope variables (job, operator, subtask)
 * and the operator's key/value groups ({@code stream}, {@code device}) become labels, whose values
 * are kept as they are (stream ids may hold {@code -} and {@code .}). Stateless; called on the
 * thread that builds the target.
 */
@Internal
public final class FlinkPrometheusReporter {

    /** The reporter's name in {@code metrics.reporter.<name>.*}. */
    public static final String NAME = "prom";

    static final String PREFIX = "metrics.reporter." + NAME + ".";
    static final String FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /** The setting that names the port, for error messages. */
    static final String SETTING = "FLINK_METRICS_PORT";

    private FlinkPrometheusReporter() {}

    /**
     * Adds the reporter on {@code port} to {@code conf}: 0 picks a free port now. Returns the port.
     *
     * @throws IllegalArgumentException naming {@link #SETTING} when the port is in use: Flink
     *     itself would only log that and run without the reporter
     */
    public static int configure(Configuration conf, int port) {
        int chosen = port == 0 ? freePort() : checkFree(port);
        conf.setString(PREFIX + "factory.class", FACTORY);
        conf.setString(PREFIX + "port", Integer.toString(chosen));
        // Stream ids are label values; without this Flink rewrites '-' and '.' to '_'.
        conf.setString(PREFIX + "filterLabelValueCharacters", "false");
        return chosen;
    }

    private static int checkFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(port)); // every interface, as the reporter binds
            return port;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    SETTING
                            + " "
                            + port
                            + " is in use ("
                            + e.getMessage()
                            + "): Flink's Prometheus reporter could not listen there; set another"
                            + " port, 0 for any, or off",
                    e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port for " + SETTING, e);
        }
    }
}
