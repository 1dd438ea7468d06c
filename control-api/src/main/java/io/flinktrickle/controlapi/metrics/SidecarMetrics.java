package io.flinktrickle.controlapi.metrics;

import io.flinktrickle.controlapi.http.ApiObserver;
import io.flinktrickle.controlapi.stream.ManagedStream;
import io.flinktrickle.controlapi.stream.StreamManager;
import io.flinktrickle.controlapi.stream.StreamObserver;

import org.apache.flink.annotation.Internal;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The sidecar's own metrics, in a Prometheus registry of its own ({@link #registry()}, served by
 * {@link MetricsServer}): streams by phase, the runner's health state, starts and their outcome,
 * start → job running and start → first output, stream ends, params updates and their outcome, HTTP
 * requests by route and status. Per-stream figures (fps, drops, latency, device) are Flink's (see
 * {@code FlinkPrometheusReporter}); nothing here carries a stream id, so no series outlives a
 * stream.
 *
 * <p>Threads: counters and histograms are updated on the request threads ({@link ApiObserver}) and
 * on the stream manager's threads ({@link StreamObserver}); the gauges are read from the {@link
 * StreamManager} when a scrape asks, on the metrics server's thread. Nothing runs on a timer.
 */
@Internal
public final class SidecarMetrics implements ApiObserver, StreamObserver {

    /** Every metric name starts with this. */
    public static final String PREFIX = "flinktrickle_";

    /** Start latencies: a warm runner starts a stream in well under a second, a cold job later. */
    private static final double[] START_BUCKETS = {
        0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120
    };

    /** Request durations: most routes answer in milliseconds, a stop waits for the job. */
    private static final double[] REQUEST_BUCKETS = {
        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    };

    private static final double NANOS_PER_SECOND = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter starts;
    private final Histogram startSeconds;
    private final Histogram firstOutputSeconds;
    private final Counter ends;
    private final Counter paramsUpdates;
    private final Histogram requests;

    public SidecarMetrics(StreamManager manager) {
        starts =
                Counter.builder()
                        .name(PREFIX + "stream_starts_total")
                        .help("Stream start requests by outcome (accepted, busy, not_ready, …)")
                        .labelNames("outcome")
                        .register(registry);
        startSeconds =
                Histogram.builder()
                        .name(PREFIX + "stream_start_seconds")
                        .help("From a start's acceptance to the stream's job running")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(START_BUCKETS)
                        .withoutExemplars()
                        .register(registry);
        firstOutputSeconds =
                Histogram.builder()
                        .name(PREFIX + "stream_first_output_seconds")
                        .help(
                                "From a start's acceptance to the job's first processed output"
                                        + " (send_first_processed_segment)")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(START_BUCKETS)
                        .withoutExemplars()
                        .register(registry);
        ends =
                Counter.builder()
                        .name(PREFIX + "stream_ends_total")
                        .help(
                                "Streams that ended, by how: stopped (asked), ended (input"
                                        + " ended), failed")
                        .labelNames("outcome")
                        .register(registry);
        paramsUpdates =
                Counter.builder()
                        .name(PREFIX + "params_updates_total")
                        .help(
                                "Params updates by outcome (applied, queued, ignored, rejected,"
                                        + " no_stream, bad_request)")
                        .labelNames("outcome")
                        .register(registry);
        requests =
                Histogram.builder()
                        .name(PREFIX + "http_request_duration_seconds")
                        .help("HTTP API requests by method, matched route and status")
                        .unit(Unit.SECONDS)
                        .labelNames("method", "route", "status")
                        .classicOnly()
                        .classicUpperBounds(REQUEST_BUCKETS)
                        .withoutExemplars()
                        .register(registry);
        GaugeWithCallback.builder()
                .name(PREFIX + "streams")
                .help("Streams by phase: starting, running, stopping, failed (held until a stop)")
                .labelNames("phase")
                .callback(
                        cb -> {
                            for (Map.Entry<ManagedStream.Phase, Integer> e :
                                    byPhase(manager).entrySet()) {
                                cb.call(e.getValue(), lower(e.getKey()));
                            }
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name(PREFIX + "streams_capacity")
                .help("Streams the runner takes at once (CAPACITY)")
                .callback(cb -> cb.call(manager.config().capacity))
                .register(registry);
        GaugeWithCallback.builder()
                .name(PREFIX + "runner_state")
                .help("The runner's /health state: 1 for the current one, 0 for the others")
                .labelNames("state")
                .callback(
                        cb -> {
                            StreamManager.RunnerState now = manager.state();
                            for (StreamManager.RunnerState s : StreamManager.RunnerState.values()) {
                                cb.call(s == now ? 1 : 0, s.name());
                            }
                        })
                .register(registry);
    }

    /** The registry a {@link MetricsServer} serves. */
    public PrometheusRegistry registry() {
        return registry;
    }

    private static Map<ManagedStream.Phase, Integer> byPhase(StreamManager manager) {
        Map<ManagedStream.Phase, Integer> counts = new EnumMap<>(ManagedStream.Phase.class);
        for (ManagedStream.Phase p : ManagedStream.Phase.values()) {
            if (p != ManagedStream.Phase.ENDED) { // ended streams are kept a while, not counted
                counts.put(p, 0);
            }
        }
        for (ManagedStream s : manager.streams()) {
            counts.computeIfPresent(s.phase(), (p, n) -> n + 1);
        }
        return counts;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / NANOS_PER_SECOND;
    }

    // ---------------------------------------------------------------- ApiObserver

    @Override
    public void request(String method, String route, int status, double seconds) {
        requests.labelValues(method, route, Integer.toString(status)).observe(seconds);
    }

    @Override
    public void start(String outcome) {
        starts.labelValues(outcome).inc();
    }

    @Override
    public void params(String outcome) {
        paramsUpdates.labelValues(outcome).inc();
    }

    // ---------------------------------------------------------------- StreamObserver

    @Override
    public void running(ManagedStream stream, Duration sinceAccepted) {
        startSeconds.observe(seconds(sinceAccepted));
    }

    @Override
    public void firstOutput(ManagedStream stream, Duration sinceAccepted) {
        firstOutputSeconds.observe(seconds(sinceAccepted));
    }

    @Override
    public void ended(ManagedStream stream, ManagedStream.Phase before, ManagedStream.Phase after) {
        String how =
                after == ManagedStream.Phase.FAILED
                        ? "failed"
                        : before == ManagedStream.Phase.STOPPING ? "stopped" : "ended";
        ends.labelValues(how).inc();
    }
}
