package io.flinktrickle.jobs.cluster;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.jobs.media.LivePacing;
import io.flinktrickle.processor.testutils.RealFlinkCluster;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job jar on a real multi-process Flink cluster (JobManager and TaskManager JVMs started from
 * the Maven-resolved Flink jars, without the project's classes: the job jar brings them) against
 * the embedded trickle server: output arrives, the TaskManager process is killed (SIGKILL), a new
 * one starts, and the stream resumes on the same output channel; the gap is measured.
 */
class LiveVideoJobFailoverITCase {

    @Test
    void theStreamResumesAfterTheTaskManagerIsKilled(@TempDir Path home) throws Exception {
        Path jobJar = jobJar();
        try (TrickleServer server = TrickleServer.builder().retainedSegments(8).build().start();
                RealFlinkCluster cluster =
                        new RealFlinkCluster(
                                        home,
                                        1,
                                        Map.of(
                                                "restart-strategy.type", "fixed-delay",
                                                "restart-strategy.fixed-delay.attempts", "20",
                                                "restart-strategy.fixed-delay.delay", "1 s",
                                                "heartbeat.interval", "1000",
                                                "heartbeat.timeout", "5000",
                                                "classloader.parent-first-patterns.additional",
                                                        "ai.djl."),
                                        Map.of())
                                .classpath(clusterClasspath())) {
            server.createChannel("cam", TrickleProtocol.MIME_MPEGTS);
            server.createChannel("cam-out", TrickleProtocol.MIME_MPEGTS);
            cluster.start(1, 1);

            List<Long> outputArrivals = Collections.synchronizedList(new ArrayList<>());
            Thread reader = follow(server, "cam-out", outputArrivals);
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = publish(server, "cam", publishing);

            PackagedProgram program =
                    PackagedProgram.newBuilder()
                            .setJarFile(jobJar.toFile())
                            .setArguments(
                                    "--stream",
                                    "id=cam,subscribe="
                                            + server.channelUri("cam")
                                            + ",publish="
                                            + server.channelUri("cam-out"),
                                    "--parallelism",
                                    "1")
                            .build();
            JobGraph graph =
                    PackagedProgramUtils.createJobGraph(program, new Configuration(), 1, false);
            JobID job = cluster.client().submitJob(graph).get(60, TimeUnit.SECONDS);
            try {
                await(() -> outputArrivals.size() >= 2, 90, "output before the kill");
                int before = outputArrivals.size();
                long killed = System.currentTimeMillis();
                Process tm = cluster.taskManagers().get(0);
                tm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                cluster.startTaskManager();
                await(
                        () -> outputArrivals.size() >= before + 2,
                        120,
                        "output after the TaskManager was killed");
                long resumed =
                        outputArrivals.stream().filter(t -> t > killed).findFirst().orElseThrow();
                long lastBefore = outputArrivals.get(before - 1);
                System.out.printf(
                        "failover: TaskManager killed %d ms after the last segment before it;"
                                + " first output segment %d ms after the kill (gap in the output"
                                + " %d ms)%n",
                        killed - lastBefore, resumed - killed, resumed - lastBefore);
                assertThat(resumed - killed).isLessThan(90_000);
            } finally {
                publishing.set(false);
                publisher.join(10_000);
                cluster.cancel(job);
                reader.interrupt();
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
                                throw new IllegalStateException(e);
                            }
                        },
                        "input-publisher");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
