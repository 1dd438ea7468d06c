package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.controlapi.testutils.RefusingProxy;
import io.flinktrickle.jobs.media.LivePacing;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network half of the fault matrix (issue 8), through the sidecar on the embedded MiniCluster:
 * the orchestrator's trickle server restarting under a running stream, the output refused for 5 s,
 * and slow output subscribers. Each case measures the gap it causes and asserts that the stream
 * goes on.
 */
class SidecarNetworkFaultsITCase {

    /** An input publisher that rides out a server restart (as a gateway's does, retrying). */
    private static final TrickleClientConfig RESILIENT =
            TrickleClientConfig.builder()
                    .maxAttempts(40)
                    .initialBackoff(Duration.ofMillis(100))
                    .maxBackoff(Duration.ofMillis(500))
                    .build();

    /** A reader that notices within a second that a fresh channel's publisher went on. */
    private static final TrickleClientConfig QUICK_REFRESH =
            TrickleClientConfig.builder().refreshInterval(Duration.ofSeconds(1)).build();

    private static Sidecar sidecar() throws Exception {
        return Sidecar.create(
                        SidecarConfig.builder()
                                .host("127.0.0.1")
                                .port(0)
                                .capacity(2)
                                .heartbeatInterval(Duration.ofSeconds(1))
                                .build(),
                        Optional.empty())
                .start();
    }

    @Test
    void theOrchestratorsTrickleServerRestartingMidStreamIsRiddenOut() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = sidecar()) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("restart1");
            AtomicLong published = new AtomicLong();
            Thread input = publishThroughRestarts(s, published);
            try {
                assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
                Await.until(() -> s.output.size() >= 2, 60, "output before the restart");
                String job = streamField(api, "job_id");

                long restartedNanos = System.nanoTime();
                orch.restartServer(Duration.ofSeconds(1));
                long publishedAtRestart = published.get();
                List<byte[]> after = Collections.synchronizedList(new ArrayList<>());
                AtomicLong firstAfterNanos = new AtomicLong();
                Thread reader = readFresh(s, after, firstAfterNanos);
                Await.until(
                        () -> after.size() >= 2, 40, "output on the restarted server (2 segments)");
                assertThat(published.get())
                        .as("the input went on after the restart")
                        .isGreaterThan(publishedAtRestart);
                for (byte[] segment : after) {
                    assertThat(segment).isNotEmpty();
                    assertThat(segment[0]).as("an MPEG-TS segment").isEqualTo((byte) 0x47);
                }
                System.out.printf(
                        "trickle server restart (1 s down): first output byte on the restarted"
                                + " server %d ms after the restart began%n",
                        (firstAfterNanos.get() - restartedNanos) / 1_000_000);
                assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
                assertThat(streamField(api, "state")).isEqualTo("RUNNING");
                assertThat(streamField(api, "job_id")).as("the same job").isEqualTo(job);
                assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
                api.awaitHealth("IDLE", Duration.ofSeconds(15));
                reader.interrupt();
            } finally {
                input.interrupt();
                input.join(10_000);
            }
        }
    }

    @Test
    void outputRefusedForFiveSecondsIsRiddenOut() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                RefusingProxy proxy = new RefusingProxy(orch.server.port());
                Sidecar sidecar = sidecar()) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("refuse01");
            s.publishLive();
            Map<String, Object> body = new HashMap<>(s.startBody(Map.of()));
            body.put(
                    "publish_url",
                    "http://127.0.0.1:" + proxy.port() + "/ai/trickle/" + s.id + "-out");
            assertThat(api.post("/stream/start", body).status).isEqualTo(200);
            Await.until(() -> s.output.size() >= 2, 60, "output before the refusal");

            long refusedNanos = System.nanoTime();
            proxy.refuseFor(Duration.ofSeconds(5));
            Thread.sleep(5_000);
            int before = s.output.size();
            assertThat(proxy.refused()).as("the job's publisher kept trying").isPositive();
            Await.until(() -> s.output.size() >= before + 2, 40, "output again after the refusal");
            System.out.printf(
                    "output refused for 5 s (%d requests answered 503): output again %d ms after"
                            + " the refusal began%n",
                    proxy.refused(), (System.nanoTime() - refusedNanos) / 1_000_000);
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(streamField(api, "state")).isEqualTo("RUNNING");
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
            Await.until(() -> s.outputEnded, 20, "the output channel closed by the stop");
        }
    }

    @Test
    void slowOutputSubscribersDoNotHoldTheStreamBack() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = sidecar()) {
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("slowsub1");
            s.publishLive();
            assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
            Await.until(() -> s.output.size() >= 2, 60, "output");
            Thread.sleep(2_000);
            int baseStart = s.output.size();
            int baseEvents = s.events.size();
            Thread.sleep(8_000);
            int baseline = s.output.size() - baseStart;

            // Three readers of the output that take 1 KiB every 200 ms (5 KiB/s, far below the
            // stream's bitrate), and never let go.
            List<SlowReader> slow = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                slow.add(new SlowReader(orch.server.port(), "/ai/trickle/" + s.id + "-out/-2"));
            }
            int slowStart = s.output.size();
            int slowEvents = s.events.size();
            Thread.sleep(8_000);
            int withSlow = s.output.size() - slowStart;
            for (SlowReader r : slow) {
                assertThat(r.bytes.get())
                        .as("the slow reader was slow (read %d bytes)", r.bytes.get())
                        .isPositive()
                        .isLessThan(64 * 1024);
                r.close();
            }
            System.out.printf(
                    "output segments in 8 s: %d alone, %d with 3 slow subscribers%n",
                    baseline, withSlow);
            assertThat(withSlow)
                    .as("segments in 8 s next to slow readers")
                    .isGreaterThanOrEqualTo(baseline - 1);
            double fpsAlone = meanEgressFps(s, baseEvents, slowEvents);
            double fpsWithSlow = meanEgressFps(s, slowEvents, s.events.size());
            System.out.printf(
                    "mean egress fps (job heartbeats): %.1f alone, %.1f with 3 slow subscribers%n",
                    fpsAlone, fpsWithSlow);
            // Heartbeat fps is sampled over short windows, and under CI's load (three test JVMs
            // on two cores) the job's pace moves with the other tests in either phase: 12.7 to
            // 24.3 fps in CI runs, lower with the slow readers in some runs and higher in others.
            // A stream held back by readers that take 5 KiB/s would fall to a few fps.
            assertThat(fpsWithSlow)
                    .as("mean egress fps next to slow readers")
                    .isGreaterThanOrEqualTo(0.5 * fpsAlone);
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Publishes clip A in real time, looped, as a gateway does: a publisher that fails (the server
     * went away mid-segment) is replaced by a new one that resumes at {@code /next} with {@code
     * Lp-Trickle-Reset}.
     */
    private static Thread publishThroughRestarts(Orchestrator.Stream s, AtomicLong published) {
        Thread t =
                new Thread(
                        () -> {
                            List<Path> clip = TestMedia.clipA();
                            int i = 0;
                            while (!Thread.currentThread().isInterrupted()) {
                                try (TricklePublisher in =
                                        TricklePublisher.builder(s.url(""))
                                                .config(RESILIENT)
                                                .startSeq(i == 0 ? 0 : TrickleProtocol.SEQ_NEXT)
                                                .deleteOnClose(false)
                                                .build()) {
                                    for (; !Thread.currentThread().isInterrupted(); i++) {
                                        byte[] seg = TestMedia.read(clip.get(i % clip.size()));
                                        LivePacing.publishPaced(
                                                in, seg, LivePacing.segmentDuration(seg));
                                        published.incrementAndGet();
                                    }
                                } catch (InterruptedException e) {
                                    return;
                                } catch (Exception e) {
                                    System.out.println("input publisher restarts after: " + e);
                                    i++;
                                    try {
                                        Thread.sleep(200);
                                    } catch (InterruptedException stop) {
                                        return;
                                    }
                                }
                            }
                        },
                        "input-" + s.id);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Reads the (re-created) output channel from its current segment on. */
    private static Thread readFresh(
            Orchestrator.Stream s, List<byte[]> into, AtomicLong firstByteNanos) {
        Thread t =
                new Thread(
                        () -> {
                            try (TrickleSubscriber sub =
                                    TrickleSubscriber.builder(s.url("-out"))
                                            .startSeq(TrickleProtocol.SEQ_CURRENT)
                                            .config(QUICK_REFRESH)
                                            .build()) {
                                Optional<TrickleSegment> next;
                                while ((next = sub.next()).isPresent()) {
                                    try (TrickleSegment seg = next.get()) {
                                        InputStream body = seg.body();
                                        int first = body.read();
                                        if (first < 0) {
                                            continue;
                                        }
                                        firstByteNanos.compareAndSet(0, System.nanoTime());
                                        byte[] rest = body.readAllBytes();
                                        byte[] all = new byte[rest.length + 1];
                                        all[0] = (byte) first;
                                        System.arraycopy(rest, 0, all, 1, rest.length);
                                        into.add(all);
                                    }
                                }
                            } catch (Exception e) {
                                // interrupted at the end of the test, or the channel ended
                            }
                        },
                        "fresh-out-" + s.id);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String streamField(Api api, String field) throws Exception {
        JsonNode streams = api.get("/stream/status").body.path("streams");
        assertThat(streams.size()).as(streams.toString()).isEqualTo(1);
        return streams.get(0).path(field).asText();
    }

    /** The mean egress fps of the job's heartbeats among events {@code from} to {@code to}. */
    private static double meanEgressFps(Orchestrator.Stream s, int from, int to) {
        synchronized (s.events) {
            return s.events.subList(from, to).stream()
                    .map(e -> e.path("event"))
                    .filter(e -> "heartbeat".equals(e.path("type").asText()))
                    .filter(e -> e.path("fps").isObject())
                    .mapToDouble(e -> e.path("fps").path("egress_video_fps").asDouble())
                    .average()
                    .orElse(0);
        }
    }

    /** A raw HTTP GET whose reader takes 1 KiB every 200 ms. */
    private static final class SlowReader implements AutoCloseable {
        final AtomicLong bytes = new AtomicLong();
        private final Socket socket;
        private final Thread thread;

        SlowReader(int port, String path) throws Exception {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setReceiveBufferSize(4096);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            thread =
                    new Thread(
                            () -> {
                                byte[] buf = new byte[1024];
                                try {
                                    InputStream in = socket.getInputStream();
                                    int n;
                                    while ((n = in.read(buf)) >= 0) {
                                        bytes.addAndGet(n);
                                        Thread.sleep(200);
                                    }
                                } catch (Exception e) {
                                    // closed by the test
                                }
                            },
                            "slow-reader");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(5_000);
        }
    }
}
