package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.jobs.media.LivePacing;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job end to end in a MiniCluster against the real trickle server: clip A and a params message
 * in; decodable video, PyTrickle-style events and data lines out; the whole path one task; the
 * input's end closes the outputs.
 */
class LiveVideoToVideoJobITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void clipAThroughTheJobComesOutAsVideoEventsAndData() throws Exception {
        try (TrickleServer server = TrickleServer.builder().retainedSegments(16).build().start()) {
            for (String c : List.of("cam", "cam-out")) {
                server.createChannel(c, TrickleProtocol.MIME_MPEGTS);
            }
            for (String c : List.of("cam-control", "cam-events", "cam-data")) {
                server.createChannel(c, TrickleProtocol.MIME_JSON);
            }
            URI base = server.baseUri();
            JobArgs args =
                    JobArgs.parse(
                            "--stream",
                            "id=cam,subscribe="
                                    + base.resolve("cam")
                                    + ",publish="
                                    + base.resolve("cam-out")
                                    + ",control="
                                    + base.resolve("cam-control")
                                    + ",events="
                                    + base.resolve("cam-events")
                                    + ",data="
                                    + base.resolve("cam-data"),
                            "--processor",
                            "io.flinktrickle.jobs.processors.FrameStats",
                            "--max-framerate",
                            "0");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            LiveVideoToVideoJob.build(env, args);
            assertThat(env.getStreamGraph(false).getJobGraph().getNumberOfVertices())
                    .as("source, processor and the three sinks are one chained task")
                    .isEqualTo(1);
            List<byte[]> video = drain(server.channelUri("cam-out"));
            List<byte[]> events = drain(server.channelUri("cam-events"));
            List<byte[]> data = drain(server.channelUri("cam-data"));
            JobClient job = env.executeAsync("live-video-to-video");

            // As an orchestrator does: segments at real-time pace (the runner joins at the live
            // edge, so what it misses while starting is skipped), and the params re-sent like the
            // gateway's keepalives.
            try (TricklePublisher control =
                            TricklePublisher.builder(server.channelUri("cam-control"))
                                    .deleteOnClose(false)
                                    .build();
                    TricklePublisher in =
                            TricklePublisher.builder(server.channelUri("cam"))
                                    .deleteOnClose(false)
                                    .build()) {
                for (Path p : TestMedia.clipA()) {
                    control.publish("{\"stats_every\":30}".getBytes(StandardCharsets.UTF_8));
                    byte[] segment = TestMedia.read(p);
                    LivePacing.publishPaced(in, segment, LivePacing.segmentDuration(segment));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (video.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            System.out.printf(
                    "after publishing: %d video, %d event, %d data segments out%n",
                    video.size(), events.size(), data.size());
            // The input ends: the job finishes, completing and deleting its output channels.
            server.deleteChannel("cam");
            server.deleteChannel("cam-control");
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.channelNames().contains("cam-out") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.channelNames()).doesNotContain("cam-out", "cam-events", "cam-data");

            List<VideoFrame> frames = decode(video);
            assertThat(frames.size())
                    .as("decoded output frames (the first segment may pass before the job is up)")
                    .isGreaterThanOrEqualTo(235);
            assertThat(frames.get(0).width()).isEqualTo(512);
            List<String> types = new ArrayList<>();
            for (byte[] e : events) {
                types.add(JSON.readTree(e).path("event").path("type").asText());
            }
            assertThat(types)
                    .contains(
                            "stream_started",
                            "heartbeat",
                            "receive_first_ingest_segment",
                            "send_first_processed_segment",
                            "params_updated",
                            "stream_stopped");
            int items = 0;
            for (byte[] d : data) {
                String line = new String(d, StandardCharsets.UTF_8);
                assertThat(line).endsWith("]\n");
                for (JsonNode item : JSON.readTree(line)) {
                    assertThat(item.has("mean_luma")).isTrue();
                    items++;
                }
            }
            assertThat(items).as("one stats item per 30 frames").isBetween(7, 12);
        }
    }

    /** Every segment of a channel, read on a thread of its own until the channel ends. */
    private static List<byte[]> drain(URI channel) {
        List<byte[]> out = Collections.synchronizedList(new ArrayList<>());
        ChannelFollower.follow(channel, body -> out.add(body.readAllBytes()));
        return out;
    }

    private static List<VideoFrame> decode(List<byte[]> segments) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("out")) {
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        new SegmentInfo("out", i, "video/MP2T", 0),
                        new ByteArrayInputStream(segments.get(i)),
                        frames::add);
            }
            d.endOfStream(frames::add);
        }
        List<VideoFrame> video = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                video.add((VideoFrame) f);
            }
        }
        return video;
    }
}
