package io.flinktrickle.jobs.cluster;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.jobs.media.LivePacing;
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

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 */
class LiveVideoJobFailoverITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STREAMS = List.of("cam1", "cam2", "cam3", "cam4");

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
            Path discovery = cluster.script("fake-gpu-discovery.sh", "0,1");
            Files.writeString(
                    home.resolve("conf/config.yaml"),
                    "external-resources: gpu\n"
                            + "external-resource.gpu.amount: 2\n"
                            + "external-resource.gpu.driver-factory.class:"
                            + " org.apache.flink.externalresource.gpu.GPUDriverFactory\n"
                            + "external-resource.gpu.param.discovery-script.path: "
                            + discovery
                            + "\n",
                    StandardOpenOption.APPEND);
            server.createChannel("streams", TrickleProtocol.MIME_JSON);
            Map<String, List<Long>> outputs = new HashMap<>();
            Map<String, List<JsonNode>> events = new HashMap<>();
            List<Thread> followers = new ArrayList<>();
            AtomicBoolean publishing = new AtomicBoolean(true);
            List<Thread> publishers = new ArrayList<>();
            for (String id : STREAMS) {
                server.createChannel(id, TrickleProtocol.MIME_MPEGTS);
                server.createChannel(id + "-out", TrickleProtocol.MIME_MPEGTS);
                server.createChannel(id + "-events", TrickleProtocol.MIME_JSON);
                outputs.put(id, Collections.synchronizedList(new ArrayList<>()));
                events.put(id, Collections.synchronizedList(new ArrayList<>()));
                followers.add(follow(server, id + "-out", outputs.get(id)));
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
                    await(() -> outputs.get(id).size() >= 3, 120, id + " output before the kill");
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
                            id + " output after the TaskManager was killed");
                    long resumed =
                            arrivals.stream().filter(t -> t > killed).findFirst().orElseThrow();
                    resumedAfter.add(resumed - killed);
                }
                System.out.printf(
                        "failover: %d streams on 2 slots; first output segment after the kill: %s"
                                + " ms%n",
                        STREAMS.size(), resumedAfter);
                assertThat(resumedAfter).allMatch(ms -> ms < 90_000);
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

    private static void await(Condition c, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    /** Notes when each output segment's first byte arrives. */
    private static Thread follow(TrickleServer server, String channel, List<Long> arrivals) {
        return ChannelFollower.follow(
                server.channelUri(channel),
                body -> {
                    body.readNBytes(1);
                    arrivals.add(System.currentTimeMillis());
                    body.readAllBytes();
                });
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
                                    byte[] segment = TestMedia.read(clip.get(i % clip.size()));
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
