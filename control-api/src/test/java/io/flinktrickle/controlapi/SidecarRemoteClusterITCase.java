package io.flinktrickle.controlapi;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Await;
import io.flinktrickle.controlapi.testutils.ClusterClasspath;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.processor.testutils.RealFlinkCluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar against a real multi-process Flink cluster (JobManager and TaskManager JVMs without
 * the project's classes; the job jar is uploaded through the REST API): Flink unreachable at first
 * (ERROR, clear 500s), then up (IDLE); a stream runs as a job on the cluster; the sidecar restarts
 * and finds its running job again (status, params, stop all work on the adopted stream).
 */
class SidecarRemoteClusterITCase {

    @TempDir Path home;

    @Test
    void survivesFlinkDownAndAdoptsItsJobsAfterARestart() throws Exception {
        Path jar = Path.of(System.getProperty("flinktrickle.job.jar", "missing"));
        assertThat(Files.isRegularFile(jar)).as("job jar " + jar + " (mvn package)").isTrue();
        int tricklePort = freePort();
        try (Orchestrator orch = new Orchestrator();
                RealFlinkCluster cluster =
                        new RealFlinkCluster(
                                        home,
                                        2,
                                        Map.of(
                                                "classloader.parent-first-patterns.additional",
                                                "ai.djl."),
                                        Map.of())
                                .classpath(ClusterClasspath.get())) {
            SidecarConfig config =
                    SidecarConfig.builder()
                            .host("127.0.0.1")
                            .port(0)
                            .capacity(2)
                            .tricklePort(tricklePort)
                            .advertisedHost("127.0.0.1")
                            .flinkRestUrl(URI.create("http://127.0.0.1:" + cluster.restPort()))
                            .jobJar(jar)
                            .build();
            Orchestrator.Stream s = orch.stream("remote01");
            s.publishLive();

            Sidecar first = Sidecar.create(config, Optional.empty()).start();
            Api api = new Api(first.baseUri());
            try {
                // Flink is not up: ERROR with the reason, and a start fails with a clear 500.
                api.awaitHealth("ERROR", Duration.ofSeconds(10));
                Api.Answer down = api.post("/stream/start", s.startBody(Map.of()));
                assertThat(down.status).isEqualTo(500);
                assertThat(down.body.path("detail").path("msg").asText()).contains("unreachable");
                assertThat(api.get("/stream/status").body.path("error_message").asText())
                        .contains("unreachable");

                cluster.start(1, 2);
                api.awaitHealth("IDLE", Duration.ofSeconds(30));
                Api.Answer started = api.post("/stream/start", s.startBody(Map.of()));
                assertThat(started.status).as(started.toString()).isEqualTo(200);
                Await.until(() -> s.output.size() >= 2, 90, "output from the cluster job");
                Api.Answer before = api.post("/stream/params", Map.of("max_framerate", 20));
                assertThat(before.status).as(before.toString()).isEqualTo(200);
                assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            } finally {
                first.close(); // the job keeps running on the cluster
            }
            int before = s.output.size();
            Await.until(() -> s.output.size() > before, 30, "output goes on without the sidecar");

            try (Sidecar second = Sidecar.create(config, Optional.empty()).start()) {
                Api again = new Api(second.baseUri());
                Await.until(
                        () -> {
                            try {
                                return "OK"
                                        .equals(again.get("/health").body.path("status").asText());
                            } catch (Exception e) {
                                return false;
                            }
                        },
                        30,
                        "the restarted sidecar adopts the runner job's stream (OK)",
                        () -> status(again, cluster));
                JsonNode stream = again.get("/stream/status").body.path("streams").get(0);
                assertThat(stream.path("stream_id").asText()).isEqualTo("remote01");
                assertThat(stream.path("adopted").asBoolean()).isTrue();
                assertThat(stream.path("urls").path("events").asText())
                        .isEqualTo(s.url("-events").toString());
                // The job reads the re-created params channel from its old position; the new
                // channel starts past it, so the job's reader jumps to its live edge at once.
                Await.until(
                        () -> {
                            try {
                                return again.get("/stream/status")
                                                .body
                                                .path("fps")
                                                .path("egress_video_fps")
                                                .asDouble()
                                        > 0;
                            } catch (Exception e) {
                                return false;
                            }
                        },
                        30,
                        "the job's heartbeats relayed again",
                        () -> status(again, cluster));
                Api.Answer params = again.post("/stream/params", Map.of("max_framerate", 12));
                assertThat(params.status).as(params + "\n" + status(again, cluster)).isEqualTo(200);
                assertThat(
                                again.get("/stream/status")
                                        .body
                                        .path("current_params")
                                        .path("params")
                                        .path("max_framerate")
                                        .asInt())
                        .isEqualTo(12);
                Api.Answer next = again.post("/stream/params", Map.of("max_framerate", 14));
                assertThat(next.status).as(next.toString()).isEqualTo(200);
                Api.Answer stopped = again.post("/stream/stop", null);
                assertThat(stopped.status).as(stopped.toString()).isEqualTo(200);
                Await.until(() -> s.outputEnded, 30, "the job deletes its output channel");
                again.awaitHealth("IDLE", Duration.ofSeconds(10));
                assertThat(stopped.body.path("stream").path("state").asText()).isEqualTo("ENDED");
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String status(Api api, RealFlinkCluster cluster) {
        try {
            StringBuilder b = new StringBuilder(api.get("/stream/status").body.toString());
            for (String log : new String[] {"jobmanager", "taskmanager-0"}) {
                String[] lines = cluster.log(log).split("\n");
                b.append("\n--- ").append(log);
                for (int i = Math.max(0, lines.length - 60); i < lines.length; i++) {
                    b.append('\n').append(lines[i]);
                }
            }
            return b.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
