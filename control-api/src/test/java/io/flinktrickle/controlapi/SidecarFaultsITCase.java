package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.RawHttp;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.jobs.media.LivePacing;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault and bad-input matrix (issue 8) through the sidecar, on the embedded MiniCluster and a
 * real trickle server: each case asserts its outcome, and that the runner keeps serving a good
 * stream next to it.
 */
class SidecarFaultsITCase {

    private static Sidecar sidecar(int capacity) throws Exception {
        return Sidecar.create(
                        SidecarConfig.builder()
                                .host("127.0.0.1")
                                .port(0)
                                .capacity(capacity)
                                .heartbeatInterval(Duration.ofSeconds(2))
                                .build(),
                        Optional.empty())
                .start();
    }

    @Test
    void garbageHevcAudioOnlyAndA20MbSegmentNeverDisturbAGoodStream() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = sidecar(4)) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream good = orch.stream("good0001");
            good.publishLive();
            Orchestrator.Stream garbage = orch.stream("garbage1");
            Orchestrator.Stream hevc = orch.stream("hevc0001");
            Orchestrator.Stream audio = orch.stream("audio001");
            for (Orchestrator.Stream s : List.of(good, garbage, hevc, audio)) {
                assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
            }
            Thread inputs =
                    new Thread(
                            () -> {
                                try (TricklePublisher g = live(garbage);
                                        TricklePublisher h = live(hevc);
                                        TricklePublisher a = live(audio)) {
                                    Random random = new Random(7);
                                    byte[] huge = new byte[20 * 1024 * 1024];
                                    random.nextBytes(huge);
                                    g.publish(huge); // a 20 MB segment of noise
                                    List<Path> hevcClip = TestMedia.segments("clip-d-256-hevc-aac");
                                    List<Path> audioClip = TestMedia.segments("clip-e-aac-only");
                                    for (int i = 0; i < 6; i++) {
                                        byte[] noise = new byte[200_000];
                                        random.nextBytes(noise);
                                        g.publish(noise);
                                        byte[] v =
                                                TestMedia.read(hevcClip.get(i % hevcClip.size()));
                                        a.publish(
                                                TestMedia.read(
                                                        audioClip.get(i % audioClip.size())));
                                        LivePacing.publishPaced(
                                                h, v, LivePacing.segmentDuration(v));
                                    }
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            inputs.start();
            inputs.join(60_000);

            Await.until(() -> hevc.output.size() >= 3, 30, "HEVC input processed");
            Await.until(
                    () -> videoOut(hevc) > 0,
                    30,
                    "a heartbeat of the HEVC stream with video out (decoded, re-encoded as H.264)");
            int goodSegments = good.output.size();
            Await.until(
                    () -> good.output.size() >= goodSegments + 2, 20, "the good stream goes on");
            JsonNode status = api.get("/stream/status").body;
            assertThat(status.path("status").asText()).as(status.toString()).isEqualTo("OK");
            for (JsonNode s : status.path("streams")) {
                assertThat(s.path("state").asText()).as(s.toString()).isEqualTo("RUNNING");
            }
            assertThat(garbage.output).as("noise makes no video").isEmpty();
            for (String id : List.of("good0001", "garbage1", "hevc0001", "audio001")) {
                Api.Answer stopped = api.post("/stream/stop", null, "X-Stream-Id", id);
                assertThat(stopped.status).as(id + " " + stopped).isEqualTo(200);
            }
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
            System.gc();
            Thread.sleep(2000);
            assertThat(streamThreads())
                    .as("no stream's threads left behind (all: " + threadGroups() + ")")
                    .isEmpty();
        }
    }

    @Test
    void badControlMessagesAndHugeParamsAreHandled() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = sidecar(1)) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("ctrl0001");
            s.publishLive();
            assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
            Await.until(() -> s.output.size() >= 1, 60, "output");
            s.control("this is not JSON {");
            s.control("[1, 2, 3]");
            s.control("{\"max_framerate\": \"fast\"}");
            s.control("{\"max_framerate\": 15}");
            Await.until(
                    () -> hasParams(api, "max_framerate", "15"), 10, "the valid control update");
            Api.Answer wrongType = api.post("/stream/params", Map.of("max_framerate", "fast"));
            assertThat(wrongType.status).isEqualTo(400);
            assertThat(wrongType.body.path("message").asText()).contains("max_framerate");
            // Params travel in 1 MiB messages of the sidecar's channels: 900 KiB fit, 1 MiB not.
            Api.Answer tooLarge =
                    api.post("/stream/params", Map.of("prompt", "x".repeat(1024 * 1024)));
            assertThat(tooLarge.status).as("a 1 MiB params message").isEqualTo(400);
            assertThat(tooLarge.body.path("message").asText()).contains("too large");
            String prompt = "x".repeat(900 * 1024);
            Api.Answer huge = api.post("/stream/params", Map.of("prompt", prompt));
            assertThat(huge.status).as("a 900 KiB params message").isEqualTo(200);
            assertThat(
                            api.get("/stream/status")
                                    .body
                                    .path("current_params")
                                    .path("params")
                                    .path("prompt")
                                    .asText()
                                    .length())
                    .isEqualTo(prompt.length());
            int before = s.output.size();
            Await.until(() -> s.output.size() > before, 10, "the stream goes on");
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
        }
    }

    @Test
    void aPublisherAbortedMidSegmentThenRestartedWithResetIsFollowed() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = sidecar(1)) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("abort001");
            assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
            List<Path> clip = TestMedia.clipA();
            long seq;
            try (TricklePublisher first = live(s)) {
                for (int i = 0; i < 2; i++) {
                    byte[] seg = TestMedia.read(clip.get(i));
                    LivePacing.publishPaced(first, seg, LivePacing.segmentDuration(seg));
                }
                seq = first.nextSeq();
            }
            Await.until(() -> s.output.size() >= 1, 30, "output before the abort");
            // The publisher dies half-way through a segment (its connection drops).
            byte[] third = TestMedia.read(clip.get(2));
            try (RawHttp raw = new RawHttp(orch.server.port())) {
                raw.startChunked("POST", "/ai/trickle/abort001/" + seq, Map.of())
                        .chunk(java.util.Arrays.copyOf(third, third.length / 2));
                Thread.sleep(300);
                raw.reset();
            }
            int before = s.output.size();
            // It comes back: /next, Lp-Trickle-Reset, the next segments in real time.
            try (TricklePublisher again =
                    TricklePublisher.builder(s.url(""))
                            .startSeq(TrickleProtocol.SEQ_NEXT)
                            .deleteOnClose(false)
                            .build()) {
                for (int i = 3; i < 5; i++) {
                    byte[] seg = TestMedia.read(clip.get(i));
                    LivePacing.publishPaced(again, seg, LivePacing.segmentDuration(seg));
                }
            }
            Await.until(() -> s.output.size() >= before + 1, 20, "output after the restart");
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
        }
    }

    private static final int WARM_UP_CYCLES = 20;

    @Test
    void manyStartStopCyclesLeaveNothingBehind() throws Exception {
        // 100 in CI (75 s); the issue's 1000 with -Dflinktrickle.cycles=1000 (README).
        int cycles = Integer.getInteger("flinktrickle.cycles", 100);
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = sidecar(1)) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("cycle001");
            Map<String, Object> body = s.startBody(Map.of());
            // Warm up (the HTTP clients' and the server's connection pools reach their size),
            // then count threads.
            for (int i = 0; i < WARM_UP_CYCLES; i++) {
                orch.channels("cycle001");
                assertThat(api.post("/stream/start", body).status).isEqualTo(200);
                assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
            }
            System.gc();
            Thread.sleep(1000);
            int threadsBefore = Thread.activeCount();
            Map<String, Long> namesBefore = threadGroups();
            long t0 = System.nanoTime();
            for (int i = 0; i < cycles; i++) {
                // As go-livepeer: fresh channels for every stream (a stop deletes the outputs).
                orch.channels("cycle001");
                Api.Answer started = api.post("/stream/start", body);
                assertThat(started.status).as("cycle " + i + ": " + started).isEqualTo(200);
                Api.Answer stopped = api.post("/stream/stop", null);
                assertThat(stopped.status).as("cycle " + i + ": " + stopped).isEqualTo(200);
                assertThat(stopped.body.path("stream").path("state").asText()).isEqualTo("ENDED");
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            api.awaitHealth("IDLE", Duration.ofSeconds(10));
            System.out.println(
                    "threads right after the cycles: "
                            + Thread.activeCount()
                            + " "
                            + threadGroups().entrySet().stream()
                                    .filter(e -> e.getValue() > 3)
                                    .collect(java.util.stream.Collectors.toList()));
            Thread.sleep(Long.getLong("flinktrickle.settle.ms", 0));
            // JDK 17 HTTP clients have no close(): a dropped one's threads end when it is
            // collected. Count after a collection.
            System.gc();
            Thread.sleep(2000);
            System.out.printf(
                    "sidecar: %d start/stop cycles in %d ms (%d ms each); threads %d -> %d%n",
                    cycles, millis, millis / cycles, threadsBefore, Thread.activeCount());
            assertThat(streamThreads())
                    .as("no stream's threads left behind (all: " + threadGroups() + ")")
                    .isEmpty();
            // A leak of a thread every fourth cycle or more goes over this; the elastic pools
            // (the JDK HTTP clients' workers, Jetty's and Flink's REST pools) grow and shrink
            // within it with the machine's load (seen: +14 with two test JVMs side by side).
            assertThat(Thread.activeCount())
                    .as("threads now vs before: " + threadGroups() + " vs " + namesBefore)
                    .isLessThanOrEqualTo(threadsBefore + Math.max(10, cycles / 4));
            assertThat(sidecar.manager().target().list())
                    .as("no job left running but the runner job")
                    .filteredOn(j -> !j.status.isGloballyTerminalState())
                    .extracting(j -> j.name)
                    .allMatch(name -> name.startsWith("flink-trickle-runner@"))
                    .hasSize(1);
            assertThat(sidecar.trickleServer().channelNames())
                    .as("no stream's channel left behind (the runner's own two stay)")
                    .allMatch(name -> name.startsWith("runner-"))
                    .hasSize(2);
        }
    }

    private static double videoOut(Orchestrator.Stream s) {
        synchronized (s.events) {
            return s.events.stream()
                    .filter(e -> "heartbeat".equals(e.path("event").path("type").asText()))
                    .mapToDouble(
                            e -> e.path("event").path("fps").path("egress_video_fps").asDouble())
                    .max()
                    .orElse(0);
        }
    }

    /**
     * Threads that belong to one stream (its channels' readers and decoders, its events relay):
     * none may outlive the stream. The runner job's own threads (its task, its processor thread)
     * serve every stream and stay. (HTTP keep-alive connections are pooled and time out on their
     * own: the embedded server keeps an idle one 10 min.)
     */
    private static List<String> streamThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(
                        n ->
                                n.startsWith("events-relay-")
                                        || n.startsWith("events-out-")
                                        || n.startsWith("trickle-source-")
                                        || n.startsWith("mpegts-decoder-"))
                .collect(java.util.stream.Collectors.toList());
    }

    private static Map<String, Long> threadGroups() {
        return Thread.getAllStackTraces().keySet().stream()
                .collect(
                        java.util.stream.Collectors.groupingBy(
                                t -> t.getName().replaceAll("\\d+", "#"),
                                java.util.TreeMap::new,
                                java.util.stream.Collectors.counting()));
    }

    private static TricklePublisher live(Orchestrator.Stream s) {
        return TricklePublisher.builder(s.url("")).deleteOnClose(false).build();
    }

    private static boolean hasParams(Api api, String key, String value) {
        try {
            return api.get("/stream/status")
                    .body
                    .path("current_params")
                    .path("params")
                    .path(key)
                    .asText()
                    .equals(value);
        } catch (Exception e) {
            return false;
        }
    }
}
