package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.ClusterClasspath;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.processor.testutils.RealFlinkCluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar against a real multi-process Flink cluster (JobManager and TaskManager JVMs without
 * the project's classes; the job jar is uploaded through the REST API): Flink unreachable at first
 * (ERROR, clear 500s), then up (IDLE); a stream runs as a job on the cluster; the sidecar restarts
 * and finds its running job again (status, params, stop all work on the adopted stream).
 *
 * <p>Its trickle server, locked down: it listens on the advertised address only (this machine's
 * non-loopback address when it has one, so that loopback is refused); the jobs present the
 * sidecar's secret, which Flink's REST API never shows (job, config, plan, JobManager config, and
 * the JobManager's and TaskManager's logs are searched for it); a request without it or with a
 * wrong one gets 401 and changes nothing; the secret file survives the restart, so the restarted
 * sidecar serves the adopted job; a sidecar whose secret file is gone does not adopt the job (it
 * holds another secret): it replaces it with a new runner.
 */
class SidecarRemoteClusterITCase {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir Path home;

    @Test
    void survivesFlinkDownAndAdoptsItsJobsAfterARestart() throws Exception {
        Path jar = Path.of(System.getProperty("flinktrickle.job.jar", "missing"));
        assertThat(Files.isRegularFile(jar)).as("job jar " + jar + " (mvn package)").isTrue();
        int tricklePort = freePort();
        Path secretFile = home.resolve("state/sidecar.secret");
        java.util.List<java.net.InetAddress> others = SidecarChannelsITCase.nonLoopbackAddresses();
        String advertised =
                others.stream()
                        .filter(a -> a instanceof java.net.Inet4Address)
                        .map(java.net.InetAddress::getHostAddress)
                        .findFirst()
                        .orElse("127.0.0.1");
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
                            .advertisedHost(advertised)
                            .trickleSecretFile(secretFile)
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
                checkLockdown(first, cluster, secretFile, advertised, tricklePort);
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

            // The secret file is gone: the running runner job holds a secret this sidecar does not
            // know, so it is not adopted but replaced.
            String old = runnerJob(cluster);
            String oldSecret = Files.readString(secretFile).strip();
            Files.delete(secretFile);
            try (Sidecar third = Sidecar.create(config, Optional.empty()).start()) {
                Api thirdApi = new Api(third.baseUri());
                thirdApi.awaitHealth("IDLE", Duration.ofSeconds(90));
                assertThat(cluster.rest("/jobs/" + old).path("state").asText())
                        .isEqualTo("CANCELED");
                assertThat(runnerJob(cluster)).isNotEqualTo(old);
                assertThat(Files.readString(secretFile).strip()).isNotEqualTo(oldSecret);
                Orchestrator.Stream replaced = orch.stream("remote02");
                replaced.publishLive();
                assertThat(thirdApi.post("/stream/start", replaced.startBody(Map.of())).status)
                        .isEqualTo(200);
                Await.until(() -> replaced.output.size() >= 1, 90, "output from the new runner");
            }
        }
    }

    /**
     * The secret is in no answer of Flink's REST API and in no log; the sidecar's trickle server
     * refuses requests without it and listens on the advertised address only.
     */
    private static void checkLockdown(
            Sidecar sidecar,
            RealFlinkCluster cluster,
            Path secretFile,
            String advertised,
            int tricklePort)
            throws Exception {
        String secret = Files.readString(secretFile).strip();
        assertThat(secret).hasSizeGreaterThanOrEqualTo(43); // 256 bits, base64url
        assertThat(secret).isEqualTo(sidecar.channelAccess().secret());
        assertThat(
                        java.nio.file.attribute.PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(secretFile)))
                .isEqualTo("rw-------");
        String job = runnerJob(cluster);
        List<String> paths =
                List.of(
                        "/jobs/" + job,
                        "/jobs/" + job + "/config",
                        "/jobs/" + job + "/jobmanager/config",
                        "/jobs/" + job + "/plan",
                        "/jobmanager/config",
                        "/jobs/" + job + "/jobmanager/environment",
                        "/jobs/" + job + "/checkpoints/config");
        for (String path : paths) {
            HttpResponse<String> r = restText(cluster, path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).doesNotContain(secret);
        }
        assertThat(restText(cluster, "/jobs/" + job + "/config").body())
                .as("the job's global parameters (its channels, not its secret)")
                .contains("flink-trickle.label.sidecar.announcements");
        for (String log : new String[] {"jobmanager", "taskmanager-0"}) {
            assertThat(cluster.log(log)).as(log + " log").doesNotContain(secret);
        }

        // The sidecar's trickle server: on the advertised address, and only with the secret.
        String params =
                sidecar.trickleServer().channelNames().stream()
                        .filter(n -> n.startsWith("remote01-") && n.endsWith("-params"))
                        .findFirst()
                        .orElseThrow();
        URI base = URI.create("http://" + advertised + ":" + tricklePort + "/");
        long edge = latest(base.resolve(params + "/next"), "Bearer " + secret);
        for (String auth : new String[] {null, "Bearer " + secret.replace(secret.charAt(0), '_')}) {
            assertThat(status("GET", base.resolve(params + "/next"), auth)).isEqualTo(401);
            assertThat(status("POST", base.resolve(params + "/" + edge), auth)).isEqualTo(401);
            assertThat(status("DELETE", base.resolve(params), auth)).isEqualTo(401);
        }
        assertThat(latest(base.resolve(params + "/next"), "Bearer " + secret))
                .as("nothing stored")
                .isEqualTo(edge);
        if (!"127.0.0.1".equals(advertised)) {
            try (java.net.Socket socket = new java.net.Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(
                                () ->
                                        socket.connect(
                                                new java.net.InetSocketAddress(
                                                        "127.0.0.1", tricklePort),
                                                2000))
                        .as("the sidecar's trickle server on loopback")
                        .isInstanceOf(java.net.ConnectException.class);
            }
        }
        System.out.println(
                "sidecar trickle server on "
                        + advertised
                        + ":"
                        + tricklePort
                        + " only; its secret is in none of "
                        + paths
                        + " nor in the cluster's logs");
    }

    private static String runnerJob(RealFlinkCluster cluster) throws Exception {
        for (JsonNode j : cluster.rest("/jobs/overview").path("jobs")) {
            if (j.path("name").asText().startsWith("flink-trickle-runner@")
                    && "RUNNING".equals(j.path("state").asText())) {
                return j.path("jid").asText();
            }
        }
        throw new AssertionError("no running runner job");
    }

    private static HttpResponse<String> restText(RealFlinkCluster cluster, String path)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.restPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long latest(URI next, String auth) throws Exception {
        HttpResponse<Void> r =
                HTTP.send(
                        HttpRequest.newBuilder(next).header("Authorization", auth).build(),
                        HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isEqualTo(200);
        return Long.parseLong(r.headers().firstValue("Lp-Trickle-Latest").orElseThrow());
    }

    private static int status(String method, URI uri, String auth) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .method(
                                method,
                                "POST".equals(method)
                                        ? HttpRequest.BodyPublishers.ofString(
                                                "{\"max_framerate\":5}")
                                        : HttpRequest.BodyPublishers.noBody());
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
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
