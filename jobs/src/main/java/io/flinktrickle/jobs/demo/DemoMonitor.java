package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Follows the job's output channels, each on a thread of its own until the channel ends: the video
 * goes to the output file, the events' heartbeats become progress lines (and the summary's drop
 * counts: by the real-time policy, over the fps cap, failed), data lines are counted.
 */
final class DemoMonitor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI video;
    private final URI events;
    private final URI data;
    private final Path file;
    private final PrintStream out;
    private final DemoSummary summary = new DemoSummary();
    private final List<Thread> threads = new ArrayList<>();
    private final List<URI> channels = new ArrayList<>();
    private long startNanos;
    private volatile Exception failure;

    DemoMonitor(URI video, URI events, URI data, Path file, PrintStream out) {
        this.video = video;
        this.events = events;
        this.data = data;
        this.file = file;
        this.out = out;
        summary.output = file;
    }

    void start() {
        startNanos = System.nanoTime();
        threads.add(follow("demo-video", video, this::onVideo));
        threads.add(follow("demo-events", events, this::onEvent));
        threads.add(follow("demo-data", data, b -> onData()));
    }

    private interface Handler {
        void accept(byte[] body) throws Exception;
    }

    private Thread follow(String name, URI channel, Handler handler) {
        channels.add(channel);
        Thread t =
                new Thread(
                        () -> {
                            try (TrickleSubscriber sub =
                                    TrickleSubscriber.builder(channel).startSeq(0).build()) {
                                Optional<TrickleSegment> s;
                                while ((s = sub.next()).isPresent()) {
                                    try (TrickleSegment seg = s.get()) {
                                        handler.accept(seg.body().readAllBytes());
                                    }
                                }
                            } catch (Exception e) {
                                failure = e;
                            }
                        },
                        name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private synchronized void onVideo(byte[] segment) throws Exception {
        if (summary.outputSegments == 0) {
            Files.write(file, segment);
        } else {
            Files.write(file, segment, java.nio.file.StandardOpenOption.APPEND);
        }
        summary.outputSegments++;
        summary.outputBytes += segment.length;
    }

    private synchronized void onData() {
        summary.dataLines++;
    }

    private synchronized void onEvent(byte[] body) throws Exception {
        summary.events++;
        JsonNode event = JSON.readTree(body).path("event");
        String type = event.path("type").asText();
        if ("heartbeat".equals(type)) {
            JsonNode fps = event.path("fps");
            JsonNode latency = event.path("latency_ms");
            long dropped = event.path("frames_dropped").asLong();
            summary.droppedInLastHeartbeat = dropped - summary.framesDropped;
            if (dropped > summary.framesDropped) {
                summary.lastDropSeconds =
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
            }
            summary.framesDropped = dropped;
            summary.framesSkippedByFpsCap = event.path("frames_skipped_by_fps_cap").asLong();
            summary.processingFailures = event.path("processing_failures").asLong();
            summary.latencyP50 = latency.path("end_to_end_p50").asDouble();
            summary.latencyP95 = latency.path("end_to_end_p95").asDouble();
            summary.fpsOut = fps.path("egress_video_fps").asDouble();
            out.printf(
                    "  fps in %5.1f  out %5.1f | dropped %3d | latency p50 %4.0f ms p95 %4.0f ms"
                            + " | %d segments out on %s%n",
                    fps.path("ingress_video_fps").asDouble(),
                    summary.fpsOut,
                    summary.framesDropped,
                    summary.latencyP50,
                    summary.latencyP95,
                    summary.outputSegments,
                    event.path("device").asText());
        } else {
            out.printf("  event: %s%n", type);
        }
    }

    /**
     * Waits, once the job has finished, until every followed channel has ended. The job ends each
     * channel it wrote to; one it never wrote to (the data channel of a processor that sends no
     * data) gets no end from it, so its follower would wait for a segment nobody writes: the demo,
     * which owns the server, deletes such a channel, which ends its follower.
     */
    void awaitEnd(TrickleServer server, long timeout, TimeUnit unit) throws Exception {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (int i = 0; i < threads.size(); i++) {
            String channel = channelName(channels.get(i));
            if (server.nextWriteSeq(channel) == 0) {
                server.deleteChannel(channel);
            }
        }
        for (int i = 0; i < threads.size(); i++) {
            Thread t = threads.get(i);
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                throw new IllegalStateException(
                        "the job finished but its channel "
                                + channels.get(i)
                                + " did not end within "
                                + unit.toSeconds(timeout)
                                + " s");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static String channelName(URI channel) {
        String path = channel.getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    synchronized DemoSummary summary() {
        return summary;
    }
}
