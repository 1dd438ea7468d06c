package io.flinktrickle.jobs.cluster;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.jobs.media.LivePacing;
import io.flinktrickle.jobs.testutils.TsTimestamps;
import io.flinktrickle.processor.testutils.RealFlinkCluster;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner job (the job jar in runner mode) on a real multi-process Flink cluster (JobManager and
 * TaskManager JVMs started from the Maven-resolved Flink jars, without the project's classes: the
 * job jar brings them), with Flink's GPU driver and a discovery script reporting two GPUs, against
 * the embedded trickle server. Four streams are announced to it while it runs: they fill its two
 * slots two by two, so each GPU serves two of them. Then the TaskManager process is killed
 * (SIGKILL) and a new one starts: every stream resumes on its output channel; the gap is measured.
 * The input loops clip A with its timestamps moved on at each loop (as a live source's keep going
 * up): before and after the failover, the output's video timestamps are the input's, increasing.
 */
class LiveVideoJobFailoverITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STREAMS = List.of("cam1", "cam2", "cam3", "cam4");

    /** Clip A's length in 90 kHz ticks (300 frames at 30 fps): each loop is this much later. */
    private static final long CLIP_TICKS = 300 * 3000L;

    @Test
    void fourStreamsFillBothGpusAndAllResumeAfterTheTaskManagerIsKilled(@TempDir Path home)
            throws Exception {
        Path jobJar = jobJar();
        Path driver =
                Path.of("../processor-operator/target/flink-plugins/external-resource-gpu")
                        .resolve("flink-external-resource-gpu-2.3.0.jar")
                        .toAbsolutePath();
        try (TrickleServer server = TrickleServer.builder().retainedSegments(8).build().start();
                RealFlinkCluster cluster =
                        new RealFlinkCluster(
                                        home,
                                        2,
                                        Map.of(
                                                "restart-strategy.type", "fixed-delay",
                                                "restart-strategy.fixed-delay.attempts", "20",
                                                "restart-strategy.fixed-delay.delay", "1 s",
                                                "heartbeat.interval", "1000",
                                                "heartbeat.timeout", "5000",
                                                "classloader.parent-first-patterns.additional",
                                                        "ai.djl."),
                                        Map.of("external-resource-gpu", driver))
                                .classpath(clusterClasspath())) {
            cluster.fakeGpus("0,1", 2);
            server.createChannel("streams", TrickleProtocol.MIME_JSON);
            Map<String, List<Long>> outputs = new HashMap<>();
            Map<String, List<byte[]>> outputBytes = new HashMap<>();
            Map<String, List<JsonNode>> events = new HashMap<>();
            List<Thread> followers = new ArrayList<>();
            AtomicBoolean publishing = new AtomicBoolean(true);
            List<Thread> publishers = new ArrayList<>();
            for (String id : STREAMS) {
                server.createChannel(id, TrickleProtocol.MIME_MPEGTS);
                server.createChannel(id + "-out", TrickleProtocol.MIME_MPEGTS);
                server.createChannel(id + "-events", TrickleProtocol.MIME_JSON);
                outputs.put(id, Collections.synchronizedList(new ArrayList<>()));
                outputBytes.put(id, Collections.synchronizedList(new ArrayList<>()));
                events.put(id, Collections.synchronizedList(new ArrayList<>()));
                followers.add(follow(server, id + "-out", outputs.get(id), outputBytes.get(id)));
                List<JsonNode> mine = events.get(id);
                followers.add(
                        ChannelFollower.follow(
                                server.channelUri(id + "-events"),
                                body -> mine.add(JSON.readTree(body))));
                publishers.add(publish(server, id, publishing));
            }
            cluster.start(1, 2);

            PackagedProgram program =
                    PackagedProgram.newBuilder()
                            .setJarFile(jobJar.toFile())
                            .setArguments(
                                    "--announcements",
                                    server.channelUri("streams").toString(),
                                    "--parallelism",
                                    "2",
                                    "--width",
                                    "256",
                                    "--height",
                                    "256",
                                    "--warm-up-frames",
                                    "10",
                                    "--checkpoint-seconds",
                                    "2")
                            .build();
            JobGraph graph =
                    PackagedProgramUtils.createJobGraph(program, new Configuration(), 2, false);
            JobID job = cluster.client().submitJob(graph).get(60, TimeUnit.SECONDS);
            try {
                long seq = 0;
                for (String id : STREAMS) {
                    StreamAnnouncement a =
                            StreamAnnouncement.builder(id, server.channelUri(id))
                                    .attribute("width", "256")
                                    .attribute("height", "256")
                                    .attribute(
                                            "url.publish",
                                            server.channelUri(id + "-out").toString())
                                    .attribute(
                                            "url.events",
                                            server.channelUri(id + "-events").toString())
                                    .build();
                    server.write(
                            "streams",
                            TrickleProtocol.MIME_JSON,
                            seq++,
                            a.toJson().getBytes(StandardCharsets.UTF_8),
                            false);
                }
                for (String id : STREAMS) {
                    await(
                            () -> outputs.get(id).size() >= 3,
                            120,
                            id + " output before the kill",
                            () -> diagnose(cluster, job, events, followers, publishers));
                }
                List<String> devices = new ArrayList<>();
                for (String id : STREAMS) {
                    synchronized (events.get(id)) {
                        for (JsonNode e : events.get(id)) {
                            if ("stream_started".equals(e.path("event").path("type").asText())) {
                                devices.add(e.path("event").path("device").asText());
                            }
                        }
                    }
                }
                assertThat(devices)
                        .as("two streams per GPU: the TaskManager's two slots lease a GPU each")
                        .containsExactlyInAnyOrder("gpu:0", "gpu:0", "gpu:1", "gpu:1");

                Map<String, Integer> before = new HashMap<>();
                STREAMS.forEach(id -> before.put(id, outputs.get(id).size()));
                long killed = System.currentTimeMillis();
                Process tm = cluster.taskManagers().get(0);
                tm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                cluster.startTaskManager();
                List<Long> resumedAfter = new ArrayList<>();
                for (String id : STREAMS) {
                    List<Long> arrivals = outputs.get(id);
                    await(
                            () -> arrivals.size() >= before.get(id) + 2,
                            120,
                            id + " output after the TaskManager was killed",
                            () -> diagnose(cluster, job, events, followers, publishers));
                    long resumed =
                            arrivals.stream().filter(t -> t > killed).findFirst().orElseThrow();
                    resumedAfter.add(resumed - killed);
                }
                System.out.printf(
                        "failover: %d streams on 2 slots; first output segment after the kill: %s"
                                + " ms%n",
                        STREAMS.size(), resumedAfter);
                assertThat(resumedAfter).allMatch(ms -> ms < 90_000);
                // Two more segments after the first one back, complete when read.
                for (String id : STREAMS) {
                    await(
                            () -> outputBytes.get(id).size() >= before.get(id) + 2,
                            60,
                            id + " complete output segments after the kill",
                            () -> diagnose(cluster, job, events, followers, publishers));
                }
                Set<Long> inputPts = inputVideoPts();
                for (String id : STREAMS) {
                    assertOutputPtsAreInputPts(
                            id, outputs.get(id), outputBytes.get(id), killed, inputPts);
                }
            } finally {
                publishing.set(false);
                for (Thread p : publishers) {
                    p.join(10_000);
                }
                cluster.cancel(job);
                followers.forEach(Thread::interrupt);
            }
        }
    }

    /** The cluster's account of the job, and the events each stream's channel carried. */
    private static String diagnose(
            RealFlinkCluster cluster,
            JobID job,
            Map<String, List<JsonNode>> events,
            List<Thread> followers,
            List<Thread> publishers) {
        StringBuilder out = new StringBuilder(cluster.diagnose(job));
        for (Thread t : followers) {
            out.append('\n').append(t.getName()).append(" alive: ").append(t.isAlive());
        }
        for (Thread t : publishers) {
            out.append('\n').append(t.getName()).append(" alive: ").append(t.isAlive());
        }
        for (String id : STREAMS) {
            synchronized (events.get(id)) {
                out.append("\n--- ").append(id).append("-events: ").append(events.get(id));
            }
        }
        return out.toString();
    }

    private static Path jobJar() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-job.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no job jar: run mvn package"))
                    .toAbsolutePath();
        }
    }

    /**
     * Flink and DJL (the cluster's lib/), without the project's own classes and without what the
     * job jar must bring (JavaCV, Jackson, flink-connector-base).
     */
    private static String clusterClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("/target/classes") && !e.contains("/target/test-classes"))
                .filter(e -> !e.contains("/io/flinktrickle/"))
                .filter(e -> !e.contains("/org/bytedeco/") && !e.contains("/jackson/core/"))
                .filter(e -> !e.contains("/flink-connector-base/"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(
            Condition c, int seconds, String what, java.util.function.Supplier<String> diagnosis)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no " + what + " within " + seconds + " s\n" + diagnosis.get());
            }
            Thread.sleep(100);
        }
    }

    /**
     * Notes when each output segment's first byte arrives, and keeps its bytes once complete (so
     * {@code segments.get(i)} is the segment that arrived at {@code arrivals.get(i)}).
     */
    private static Thread follow(
            TrickleServer server, String channel, List<Long> arrivals, List<byte[]> segments) {
        return ChannelFollower.follow(
                server.channelUri(channel),
                body -> {
                    byte[] first = body.readNBytes(1);
                    arrivals.add(System.currentTimeMillis());
                    byte[] rest = body.readAllBytes();
                    byte[] all = new byte[first.length + rest.length];
                    System.arraycopy(first, 0, all, 0, first.length);
                    System.arraycopy(rest, 0, all, first.length, rest.length);
                    segments.add(all);
                });
    }

    /**
     * The output's video pts, before the kill and after (each attempt decoded as a stream of its
     * own), are increasing and each one an input frame's pts.
     */
    private static void assertOutputPtsAreInputPts(
            String id, List<Long> arrivals, List<byte[]> segments, long killed, Set<Long> inputPts)
            throws Exception {
        List<byte[]> before = new ArrayList<>();
        List<byte[]> after = new ArrayList<>();
        synchronized (segments) {
            for (int i = 0; i < segments.size(); i++) {
                (arrivals.get(i) < killed ? before : after).add(segments.get(i));
            }
        }
        for (List<byte[]> attempt : List.of(before, after)) {
            String which = (attempt == before ? "before" : "after") + " the kill";
            List<Long> pts = videoPts(attempt);
            assertThat(pts).as("%s output frames %s", id, which).isNotEmpty();
            assertThat(inputPts)
                    .as("%s: output video pts %s are input pts", id, which)
                    .containsAll(pts);
            for (int i = 1; i < pts.size(); i++) {
                assertThat(pts.get(i))
                        .as("%s: output pts %s increase (frame %d)", id, which, i)
                        .isGreaterThan(pts.get(i - 1));
            }
            System.out.printf(
                    "%s %s: %d frames, pts %d..%d%n",
                    id, which, pts.size(), pts.get(0), pts.get(pts.size() - 1));
        }
    }

    private static List<Long> videoPts(List<byte[]> segments) throws Exception {
        List<Long> pts = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder()
                        .size(64, 64)
                        .maxFramerate(0)
                        .audio(false)
                        .build()
                        .open("out")) {
            java.util.function.Consumer<Frame> keep =
                    f -> {
                        if (f instanceof VideoFrame) {
                            pts.add(f.pts());
                        }
                    };
            for (int i = 0; i < segments.size(); i++) {
                try {
                    d.decode(
                            new SegmentInfo("out", i, "video/MP2T", 0),
                            new ByteArrayInputStream(segments.get(i)),
                            keep);
                } catch (java.io.IOException cut) {
                    // the segment the kill cut short
                }
            }
            d.endOfStream(keep);
        }
        return pts;
    }

    /** Every video pts the looping input can have: clip A's, moved on by whole loops. */
    private static Set<Long> inputVideoPts() throws Exception {
        List<byte[]> clip = new ArrayList<>();
        for (Path p : TestMedia.clipA()) {
            clip.add(TestMedia.read(p));
        }
        List<Long> once = videoPts(clip);
        assertThat(once).hasSize(300);
        Set<Long> all = new HashSet<>();
        for (int loop = 0; loop < 100; loop++) {
            for (long p : once) {
                all.add(p + loop * CLIP_TICKS);
            }
        }
        return all;
    }

    private static Thread publish(TrickleServer server, String channel, AtomicBoolean running) {
        Thread t =
                new Thread(
                        () -> {
                            try (TricklePublisher pub =
                                    TricklePublisher.builder(server.channelUri(channel))
                                            .deleteOnClose(false)
                                            .build()) {
                                List<Path> clip = TestMedia.clipA();
                                for (int i = 0; running.get(); i++) {
                                    // Each loop later by the clip's length: one live timeline.
                                    byte[] segment =
                                            TsTimestamps.shifted(
                                                    TestMedia.read(clip.get(i % clip.size())),
                                                    (i / clip.size()) * CLIP_TICKS);
                                    LivePacing.publishPaced(
                                            pub, segment, LivePacing.segmentDuration(segment));
                                }
                            } catch (Exception e) {
                                if (running.get()) {
                                    throw new IllegalStateException(e);
                                }
                            }
                        },
                        "input-publisher-" + channel);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
