package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.config.SidecarConfigBuilder;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.FailingProcessor;
import io.flinktrickle.controlapi.testutils.Frames;
import io.flinktrickle.controlapi.testutils.Orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar end to end: its HTTP API, an embedded MiniCluster running the real runner job (one
 * {@code LiveVideoToVideoJob} that serves every stream; the happy path and a failing job also with
 * one job per stream), and go-livepeer-shaped channels on a real embedded trickle server with clip
 * A published in real time.
 */
class SidecarITCase {

    private static SidecarConfigBuilder config() {
        return SidecarConfig.builder().host("127.0.0.1").port(0).capacity(2);
    }

    @ParameterizedTest
    @EnumSource(SidecarConfig.JobMode.class)
    void startChangeParamsStopAndStartAgain(SidecarConfig.JobMode mode) throws Exception {
        List<Long> startToFirstByte = new ArrayList<>();
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar =
                        Sidecar.create(
                                config().jobMode(mode).build(), java.util.Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));

            Orchestrator.Stream s = orch.stream("a1b2c3d4");
            s.publishLive();
            long t0 = System.nanoTime();
            Api.Answer started =
                    api.post("/stream/start", s.startBody(Map.of("max_framerate", 30)));
            long answered = System.nanoTime();
            assertThat(started.status).as(started.toString()).isEqualTo(200);
            assertThat(started.body.path("status").asText()).isEqualTo("success");
            assertThat(started.body.path("request_id").asText()).isEqualTo("a1b2c3d4");
            assertThat((answered - t0) / 1_000_000)
                    .as("start answers at once (ms)")
                    .isLessThan(1000);
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            Await.until(
                    () -> s.eventTypes().contains("heartbeat"), 5, "a heartbeat from acceptance");

            Await.until(() -> s.firstOutputNanos != 0, 60, "first output byte");
            startToFirstByte.add((s.firstOutputNanos - t0) / 1_000_000);
            Await.until(() -> s.output.size() >= 2, 30, "two output segments");
            assertThat(Frames.videoOf(s.output.get(1)).size())
                    .as("frames in a 2 s segment at 30 fps")
                    .isBetween(50, 66);

            // A params update: accepted by the processor (200), and visible in the output.
            long p0 = System.nanoTime();
            Api.Answer p = api.post("/stream/params", Map.of("max_framerate", 10));
            long paramsMillis = (System.nanoTime() - p0) / 1_000_000;
            assertThat(p.status).as(p.toString()).isEqualTo(200);
            int seen = s.output.size();
            Await.until(() -> s.output.size() >= seen + 2, 30, "two segments after the update");
            assertThat(Frames.videoOf(s.output.get(seen + 1)).size())
                    .as("frames in a 2 s segment at 10 fps")
                    .isBetween(15, 25);
            JsonNode status = api.get("/stream/status").body;
            assertThat(status.path("current_params").path("params").path("max_framerate").asInt())
                    .isEqualTo(10);
            assertThat(status.path("client_running").asBoolean()).isTrue();
            // Refused updates never answer 200; the params in force stay.
            assertThat(api.post("/stream/params", Map.of("max_framerate", 61)).status)
                    .isEqualTo(400);
            assertThat(api.post("/stream/params", Map.of("width", 256)).status).isEqualTo(400);
            // The orchestrator's own control channel keeps working.
            s.control("{\"max_framerate\":12}");
            Await.until(
                    () -> hasEvent(s, "params_updated", "control"),
                    10,
                    "a params_updated event for the control channel's message");

            long stop0 = System.nanoTime();
            Api.Answer stopped = api.post("/stream/stop", null);
            long stopMillis = (System.nanoTime() - stop0) / 1_000_000;
            assertThat(stopped.status).as(stopped.toString()).isEqualTo(200);
            assertThat(stopped.body.path("stream").path("state").asText()).isEqualTo("ENDED");
            Await.until(() -> s.outputEnded, 10, "the output channel ends (deleted by the job)");
            assertThat(orch.server.channelNames()).doesNotContain("a1b2c3d4-out");
            Await.until(() -> s.eventTypes().contains("stream_stopped"), 10, "stream_stopped");
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("IDLE");
            assertThat(api.get("/stream/status").body.path("client_running").asBoolean()).isFalse();
            assertThat(api.post("/stream/stop", null).status)
                    .as("a second stop of an ended stream is fine, as in PyTrickle")
                    .isEqualTo(200);

            // Start again, four more times: the start-to-first-byte figure is their median.
            for (int i = 0; i < 4; i++) {
                Orchestrator.Stream again = orch.stream("again" + i);
                again.publishLive();
                long a0 = System.nanoTime();
                assertThat(api.post("/stream/start", again.startBody(Map.of())).status)
                        .isEqualTo(200);
                Await.until(() -> again.firstOutputNanos != 0, 60, "first output byte again");
                startToFirstByte.add((again.firstOutputNanos - a0) / 1_000_000);
                if (i == 0) {
                    // Capacity 2, and a stream ended a moment ago: a stop must name its stream.
                    Api.Answer ambiguous = api.post("/stream/stop", null);
                    assertThat(ambiguous.status).isEqualTo(400);
                    assertThat(ambiguous.body.path("message").asText()).contains("X-Stream-Id");
                }
                assertThat(api.post("/stream/stop", null, "X-Stream-Id", "again" + i).status)
                        .isEqualTo(200);
                Await.until(() -> again.outputEnded, 10, "output ended again");
            }
            List<Long> sorted = new ArrayList<>(startToFirstByte);
            Collections.sort(sorted);
            System.out.printf(
                    "sidecar (%s): /stream/start -> first output byte %s ms (median %d ms);"
                            + " params round trip %d ms; stop %d ms%n",
                    mode,
                    startToFirstByte,
                    sorted.get(sorted.size() / 2),
                    paramsMillis,
                    stopMillis);
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
        }
    }

    @Test
    void twoStreamsAtOnceUpToCapacity() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config().build(), java.util.Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream a = orch.stream("aaaa0001");
            Orchestrator.Stream b = orch.stream("bbbb0002");
            a.publishLive();
            b.publishLive();
            assertThat(api.post("/stream/start", a.startBody(Map.of())).status).isEqualTo(200);
            assertThat(api.post("/stream/start", b.startBody(Map.of())).status).isEqualTo(200);
            Orchestrator.Stream c = orch.stream("cccc0003");
            Api.Answer busy = api.post("/stream/start", c.startBody(Map.of()));
            assertThat(busy.status).as("BYOC route: busy").isEqualTo(503);
            assertThat(busy.body.path("message").asText()).contains("Pipeline is still in use");
            Api.Answer busyManaged = api.post("/live-video-to-video", c.startBody(Map.of()));
            assertThat(busyManaged.status)
                    .as("managed-container route: go-livepeer's worker ignores 503")
                    .isEqualTo(500);
            assertThat(busyManaged.body.path("detail").path("msg").asText())
                    .contains("Pipeline is still in use");
            Await.until(
                    () -> a.output.size() >= 2 && b.output.size() >= 2, 60, "both streams' output");
            Api.Answer ambiguous = api.post("/stream/stop", null);
            assertThat(ambiguous.status).isEqualTo(400);
            assertThat(ambiguous.body.path("message").asText()).contains("X-Stream-Id");
            assertThat(
                            api.post(
                                            "/stream/params",
                                            Map.of("max_framerate", 15),
                                            "X-Stream-Id",
                                            "bbbb0002")
                                    .status)
                    .isEqualTo(200);
            assertThat(api.post("/stream/stop", null, "X-Stream-Id", "aaaa0001").status)
                    .isEqualTo(200);
            Await.until(() -> a.outputEnded, 10, "stream a ended");
            assertThat(b.outputEnded).as("stream b still runs").isFalse();
            int before = b.output.size();
            Await.until(() -> b.output.size() > before, 10, "stream b goes on");
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(api.post("/stream/stop", null, "X-Stream-Id", "bbbb0002").status)
                    .isEqualTo(200);
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
        }
    }

    @Test
    void theSameStreamStartedRightAfterItsStopRunsAndASilentEventsUrlNeverBlocks()
            throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config().build(), java.util.Optional.empty());
                java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            // An events endpoint that accepts connections and never answers.
            Thread acceptor =
                    new Thread(
                            () -> {
                                List<java.net.Socket> held = new ArrayList<>();
                                try {
                                    while (true) {
                                        held.add(silent.accept());
                                    }
                                } catch (java.io.IOException closed) {
                                    // test over
                                }
                            });
            acceptor.setDaemon(true);
            acceptor.start();
            Orchestrator.Stream s = orch.stream("same0001");
            s.publishLive();
            Map<String, Object> body = new java.util.HashMap<>(s.startBody(Map.of()));
            body.put("events_url", "http://127.0.0.1:" + silent.getLocalPort() + "/x-events");
            long t0 = System.nanoTime();
            assertThat(api.post("/stream/start", body).status).isEqualTo(200);
            assertThat((System.nanoTime() - t0) / 1_000_000)
                    .as("start answers at once, whatever the events URL does (ms)")
                    .isLessThan(1000);
            Await.until(() -> s.output.size() >= 1, 60, "output");
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
            Await.until(() -> s.outputEnded, 10, "first run's output ended");

            // The orchestrator re-creates the channels and starts the same id again at once.
            Orchestrator.Stream again = orch.stream("same0001");
            assertThat(api.post("/stream/start", again.startBody(Map.of())).status).isEqualTo(200);
            Await.until(() -> again.output.size() >= 3, 60, "the second run's output");
            assertThat(again.outputEnded).as("the first run's cleanup left it alone").isFalse();
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(api.post("/stream/stop", null, "X-Stream-Id", "same0001").status)
                    .isEqualTo(200);
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
        }
    }

    @Test
    void inputEndReturnsTheRunnerToIdle() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config().build(), java.util.Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("eos00001");
            s.publishLive();
            assertThat(api.post("/live-video-to-video", s.startBody(Map.of())).status)
                    .isEqualTo(200);
            Await.until(() -> s.output.size() >= 1, 60, "output");
            long t0 = System.nanoTime();
            orch.server.deleteChannel("eos00001"); // the gateway stopped: input ends
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
            long idleMillis = (System.nanoTime() - t0) / 1_000_000;
            Await.until(() -> s.outputEnded, 10, "output channel closed");
            System.out.printf("sidecar: input end -> IDLE in %d ms%n", idleMillis);
            assertThat(api.get("/stream/status").body.path("streams").get(0).path("state").asText())
                    .isEqualTo("ENDED");
        }
    }

    @Test
    void aProcessorThatCannotLoadKeepsTheRunnerFromServingWithItsCause() throws Exception {
        SidecarConfig cfg = config().processorClass(FailingProcessor.class.getName()).build();
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(cfg, java.util.Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            // The model loads before the runner serves: never IDLE, ERROR once Flink gave up.
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            String health;
            while (!"ERROR".equals(health = api.get("/health").body.path("status").asText())) {
                assertThat(health)
                        .as("never IDLE with a processor that cannot load")
                        .isEqualTo("LOADING");
                assertThat(System.nanoTime()).as("ERROR within 90 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(api.get("/stream/status").body.path("error_message").asText())
                    .contains(FailingProcessor.MESSAGE);
            Orchestrator.Stream s = orch.stream("fail0002");
            Api.Answer refused = api.post("/stream/start", s.startBody(Map.of()));
            assertThat(refused.status).isEqualTo(500);
            assertThat(refused.body.path("message").asText()).contains(FailingProcessor.MESSAGE);
        }
    }

    @Test
    void aFailingJobSurfacesAsErrorAndAnErrorEvent() throws Exception {
        SidecarConfig cfg =
                config().processorClass(FailingProcessor.class.getName())
                        .jobMode(SidecarConfig.JobMode.PER_STREAM)
                        .build();
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(cfg, java.util.Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("fail0001");
            s.publishLive();
            assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
            api.awaitHealth("ERROR", Duration.ofSeconds(60));
            Await.until(() -> s.eventTypes().contains("error"), 10, "an error event");
            String message;
            synchronized (s.events) {
                message =
                        s.events.stream()
                                .filter(e -> "error".equals(e.path("event").path("type").asText()))
                                .reduce((x, y) -> y)
                                .orElseThrow()
                                .path("event")
                                .path("message")
                                .asText();
            }
            assertThat(message).contains(FailingProcessor.MESSAGE);
            JsonNode status = api.get("/stream/status").body;
            assertThat(status.path("error_message").asText()).contains(FailingProcessor.MESSAGE);
            // The stop acknowledges the failure: the runner serves again.
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
        }
    }

    private static boolean hasEvent(Orchestrator.Stream s, String type, String source) {
        synchronized (s.events) {
            for (JsonNode e : s.events) {
                if (type.equals(e.path("event").path("type").asText())
                        && source.equals(e.path("event").path("source").asText())) {
                    return true;
                }
            }
        }
        return false;
    }
}
