package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.GrafanaDashboard;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.controlapi.testutils.PrometheusText;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sidecar's metrics as Prometheus scrapes them: a sidecar with its embedded MiniCluster, one
 * live stream of clip A, and both endpoints scraped over HTTP and parsed: the sidecar's {@code
 * /metrics} ({@code METRICS_PORT}) and Flink's Prometheus reporter ({@code FLINK_METRICS_PORT}).
 * The Grafana dashboard queries only metric names seen here.
 */
class SidecarMetricsITCase {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** '-' and '.' would be rewritten to '_' by Flink's default label filter. */
    private static final String STREAM = "obs-stream.1";

    /** The operator's per-stream group: {@code stream/<id>/run/<key>}. */
    private static final String FLINK_STREAM = "flink_taskmanager_job_task_operator_stream_run_";

    @Test
    void oneLiveStreamOnBothEndpointsByStreamId() throws Exception {
        SidecarConfig config =
                SidecarConfig.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .capacity(1)
                        .metricsPort(0)
                        .flinkMetricsPort(0)
                        .build();
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config, Optional.empty())) {
            sidecar.start();
            URI own =
                    URI.create("http://127.0.0.1:" + sidecar.metricsPort().getAsInt() + "/metrics");
            URI flink =
                    URI.create(
                            "http://127.0.0.1:"
                                    + sidecar.flinkMetricsPort().getAsInt()
                                    + "/metrics");
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            assertThat(
                            PrometheusText.scrape(own)
                                    .one("flinktrickle_runner_state", state("IDLE"))
                                    .value)
                    .isEqualTo(1);

            Orchestrator.Stream s = orch.stream(STREAM);
            s.publishLive();
            Api.Answer started = api.post("/stream/start", s.startBody(Map.of()));
            assertThat(started.status).as(started.toString()).isEqualTo(200);
            Await.until(() -> s.output.size() >= 2, 60, "two output segments");
            Api.Answer params =
                    api.post("/stream/params", Map.of("max_framerate", 12), "X-Stream-Id", STREAM);
            assertThat(params.status).as(params.toString()).isEqualTo(200);

            // Flink: per stream, labelled with its id (meters update every 5 s).
            Map<String, String> byId = Map.of("stream", STREAM);
            AtomicReference<PrometheusText> flinkText = new AtomicReference<>();
            Await.until(
                    () -> {
                        flinkText.set(scrape(flink));
                        return value(flinkText.get(), FLINK_STREAM + "fpsIn", byId) > 0
                                && value(flinkText.get(), FLINK_STREAM + "fpsOut", byId) > 0;
                    },
                    30,
                    "the stream's fpsIn and fpsOut above 0 on Flink's endpoint",
                    () -> "the stream's samples: " + streamSamples(flinkText.get()));
            PrometheusText f = flinkText.get();
            assertThat(f.one(FLINK_STREAM + "videoFramesOut", byId).value).isGreaterThan(0);
            assertThat(f.one(FLINK_STREAM + "framesDropped", byId).value).isGreaterThanOrEqualTo(0);
            assertThat(f.types).containsEntry(FLINK_STREAM + "endToEndLatencyMs", "summary");
            assertThat(
                            f.one(
                                            FLINK_STREAM + "endToEndLatencyMs",
                                            Map.of("stream", STREAM, "quantile", "0.95"))
                                    .value)
                    .isGreaterThan(0);
            assertThat(f.one(FLINK_STREAM + "endToEndLatencyMs_count", byId).value)
                    .isGreaterThan(0);
            assertThat(f.one(FLINK_STREAM + "device_info", byId).labels)
                    .containsEntry("device", "cpu");
            assertThat(f.one(FLINK_STREAM + "fpsIn", byId).labels)
                    .as("scope variables are labels too")
                    .containsKeys("job_name", "operator_name", "subtask_index")
                    .hasEntrySatisfying("run", run -> assertThat(run).startsWith(STREAM + "-"));

            // The sidecar: starts, start latency, first output, params, requests, state.
            PrometheusText o = scrape(own);
            assertThat(o.one("flinktrickle_stream_starts_total", outcome("accepted")).value)
                    .isEqualTo(1);
            assertThat(o.types).containsEntry("flinktrickle_stream_start_seconds", "histogram");
            assertThat(o.one("flinktrickle_stream_start_seconds_count", Map.of()).value)
                    .isEqualTo(1);
            assertThat(
                            o.one("flinktrickle_stream_start_seconds_bucket", Map.of("le", "+Inf"))
                                    .value)
                    .isEqualTo(1);
            assertThat(o.one("flinktrickle_stream_start_seconds_sum", Map.of()).value)
                    .isGreaterThan(0);
            assertThat(o.one("flinktrickle_stream_first_output_seconds_count", Map.of()).value)
                    .isEqualTo(1);
            assertThat(o.one("flinktrickle_params_updates_total", outcome("applied")).value)
                    .isEqualTo(1);
            assertThat(o.one("flinktrickle_streams", Map.of("phase", "running")).value)
                    .isEqualTo(1);
            assertThat(o.one("flinktrickle_runner_state", state("OK")).value).isEqualTo(1);
            assertThat(
                            o.one(
                                            "flinktrickle_http_request_duration_seconds_count",
                                            Map.of(
                                                    "method", "POST",
                                                    "route", "/stream/start",
                                                    "status", "200"))
                                    .value)
                    .isEqualTo(1);

            // A stopped stream's series go from Flink's endpoint; the sidecar counts the stop.
            assertThat(api.post("/stream/stop", null, "X-Stream-Id", STREAM).status).isEqualTo(200);
            Await.until(
                    () ->
                            scrape(flink).samples.stream()
                                    .noneMatch(x -> STREAM.equals(x.labels.get("stream"))),
                    30,
                    "the stopped stream's series gone from Flink's endpoint");
            PrometheusText after = scrape(own);
            assertThat(after.one("flinktrickle_stream_ends_total", outcome("stopped")).value)
                    .isEqualTo(1);
            assertThat(after.one("flinktrickle_streams", Map.of("phase", "running")).value)
                    .isEqualTo(0);

            // The dashboard asks only for what the endpoints serve.
            Set<String> seen = new TreeSet<>(f.names());
            seen.addAll(o.names());
            seen.addAll(after.names());
            // For whoever edits the dashboard: what it may query.
            Files.write(Path.of("target", "scraped-metric-names.txt"), seen);
            Set<String> queried = GrafanaDashboard.read(ROOT).metricNames();
            assertThat(queried).isNotEmpty();
            assertThat(seen).as("metric names on the two endpoints").containsAll(queried);
        }
    }

    @Test
    void portsInUseNameTheirSettingsAndOffServesNothing() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            SidecarConfig ownTaken =
                    SidecarConfig.builder().host("0.0.0.0").port(0).metricsPort(port).build();
            try (Sidecar sidecar = Sidecar.create(ownTaken, Optional.empty())) {
                assertThatThrownBy(sidecar::start)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("METRICS_PORT " + port + " on 0.0.0.0 is in use");
            }
            SidecarConfig flinkTaken =
                    SidecarConfig.builder()
                            .host("127.0.0.1")
                            .port(0)
                            .flinkMetricsPort(port)
                            .build();
            assertThatThrownBy(() -> Sidecar.create(flinkTaken, Optional.empty()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("FLINK_METRICS_PORT " + port + " is in use");
        }
        SidecarConfig off = SidecarConfig.builder().host("127.0.0.1").port(0).build();
        try (Sidecar sidecar = Sidecar.create(off, Optional.empty()).start()) {
            new Api(sidecar.baseUri()).awaitHealth("IDLE", Duration.ofSeconds(60));
            assertThat(sidecar.flinkMetricsPort()).isEmpty();
            assertThat(sidecar.metricsPort()).isEmpty();
        }
    }

    private static PrometheusText scrape(URI url) {
        try {
            return PrometheusText.scrape(url);
        } catch (Exception e) {
            throw new AssertionError("scraping " + url + " failed", e);
        }
    }

    /** The value of the one sample, or -1 when there is none (yet). */
    private static double value(PrometheusText text, String name, Map<String, String> labels) {
        return text.find(name, labels).isEmpty() ? -1 : text.one(name, labels).value;
    }

    private static String streamSamples(PrometheusText text) {
        return text == null
                ? "none"
                : text.samples.stream()
                        .filter(x -> STREAM.equals(x.labels.get("stream")))
                        .map(x -> x.name + x.labels + " " + x.value)
                        .toList()
                        .toString();
    }

    private static Map<String, String> outcome(String outcome) {
        return Map.of("outcome", outcome);
    }

    private static Map<String, String> state(String state) {
        return Map.of("state", state);
    }
}
