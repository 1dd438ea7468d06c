package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.jobs.media.LivePacing;

import org.apache.flink.core.execution.JobClient;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job end to end in a MiniCluster against the real trickle server: clip A and a params message
 * in; decodable video, PyTrickle-style events and data lines out; the whole path one task; the
 * input's end closes the outputs. And: each processor gets its frames in the pixel format it asks
 * for, and the output keeps the input's timestamps and (unless the processor made it grey) its
 * colour.
 */
class LiveVideoToVideoJobITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(2);

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
            Await.until(() -> video.size() >= 3, 90, "three output segments");
            System.out.printf(
                    "after publishing: %d video, %d event, %d data segments out%n",
                    video.size(), events.size(), data.size());
            // The input ends: the job finishes, completing and deleting its output channels.
            server.deleteChannel("cam");
            server.deleteChannel("cam-control");
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            Await.until(() -> !server.channelNames().contains("cam-out"), 30, "cam-out deleted");
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

    @Test
    void eachProcessorGetsFramesInThePixelFormatItAsksFor() throws Exception {
        List<byte[]> input = new ArrayList<>();
        for (Path p : TestMedia.clipA().subList(0, 3)) {
            input.add(TestMedia.read(p));
        }
        Map<Long, VideoFrame> inputByPts = new HashMap<>();
        for (VideoFrame f : decode(input, PixelFormat.YUV420P)) {
            inputByPts.put(f.pts(), f);
        }
        int luma = 512 * 512;

        // YUV420P: the decoder's planes as they are; the output is the input picture in colour.
        Run yuv = run(FormatProbe.Yuv.class.getName(), input);
        assertThat(yuv.items).isNotEmpty();
        for (JsonNode item : yuv.items) {
            assertThat(item.path("format").asText()).isEqualTo("YUV420P");
            assertThat(item.path("bytes").asInt()).isEqualTo(luma * 3 / 2);
            assertThat(inputByPts).containsKey(item.path("pts").asLong());
        }
        assertSamePictureInColour(yuv.output, inputByPts);

        // GRAY8: the Y plane alone; returned as it came, it is encoded grey (neutral chroma).
        Run gray = run(FormatProbe.Gray.class.getName(), input);
        assertThat(gray.items).isNotEmpty();
        for (JsonNode item : gray.items) {
            assertThat(item.path("format").asText()).isEqualTo("GRAY8");
            assertThat(item.path("bytes").asInt()).isEqualTo(luma);
            assertThat(item.path("width").asInt()).isEqualTo(512);
        }
        assertThat(gray.output).isNotEmpty();
        for (VideoFrame f : gray.output) {
            assertThat(inputByPts).as("output pts are input pts").containsKey(f.pts());
            assertThat(chromaDeviation(f)).as("chroma of grey frame %d", f.pts()).isLessThan(2);
        }

        // NONE (Passthrough): the decoder's YUV passes through unconverted, in colour.
        Run none = run("io.flinktrickle.jobs.processors.Passthrough", input);
        assertSamePictureInColour(none.output, inputByPts);
    }

    /**
     * Every output frame has an input frame's pts, and is that frame's picture (up to the codec's
     * loss), in colour.
     */
    private static void assertSamePictureInColour(
            List<VideoFrame> output, Map<Long, VideoFrame> inputByPts) {
        assertThat(output).as("output frames").hasSizeGreaterThan(30);
        long previous = Long.MIN_VALUE;
        for (VideoFrame f : output) {
            VideoFrame in = inputByPts.get(f.pts());
            assertThat(in).as("the input frame of output pts %d", f.pts()).isNotNull();
            assertThat(f.pts()).isGreaterThan(previous);
            previous = f.pts();
            assertThat(chromaDeviation(in)).as("the input is colourful").isGreaterThan(10);
            assertThat(chromaDeviation(f))
                    .as("output frame %d in colour", f.pts())
                    .isGreaterThan(10);
            assertThat(meanDifference(f.pixels(), in.pixels()))
                    .as("output frame %d against its input frame", f.pts())
                    .isLessThan(6);
        }
    }

    /** Mean |U - 128| and |V - 128| of a YUV420P frame: 0 for grey. */
    private static double chromaDeviation(VideoFrame f) {
        assertThat(f.format()).isEqualTo(PixelFormat.YUV420P);
        byte[] p = f.pixels();
        int luma = f.width() * f.height();
        long sum = 0;
        for (int i = luma; i < p.length; i++) {
            sum += Math.abs((p[i] & 0xff) - 128);
        }
        return (double) sum / (p.length - luma);
    }

    private static double meanDifference(byte[] a, byte[] b) {
        assertThat(a).hasSameSizeAs(b);
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / a.length;
    }

    /** What came out of one run of the job. */
    private static final class Run {
        final List<VideoFrame> output;
        final List<JsonNode> items;

        Run(List<VideoFrame> output, List<JsonNode> items) {
            this.output = output;
            this.items = items;
        }
    }

    /**
     * The job with {@code processor} on one stream: {@code input} published at real-time pace, then
     * the input ends. The output video decoded as YUV420P, and the data items.
     */
    private static Run run(String processor, List<byte[]> input) throws Exception {
        try (TrickleServer server = TrickleServer.builder().retainedSegments(16).build().start()) {
            for (String c : List.of("in", "in-out")) {
                server.createChannel(c, TrickleProtocol.MIME_MPEGTS);
            }
            for (String c : List.of("in-events", "in-data")) {
                server.createChannel(c, TrickleProtocol.MIME_JSON);
            }
            URI base = server.baseUri();
            JobArgs args =
                    JobArgs.parse(
                            // One URL per argument, as the sidecar gives a stream.
                            "--stream-id",
                            "in",
                            "--subscribe-url",
                            base.resolve("in").toString(),
                            "--publish-url",
                            base.resolve("in-out").toString(),
                            "--events-url",
                            base.resolve("in-events").toString(),
                            "--data-url",
                            base.resolve("in-data").toString(),
                            "--processor",
                            processor,
                            "--max-framerate",
                            "0",
                            "--warm-up-frames",
                            "10");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            LiveVideoToVideoJob.build(env, args);
            List<byte[]> video = drain(server.channelUri("in-out"));
            List<byte[]> events = drain(server.channelUri("in-events"));
            List<byte[]> data = drain(server.channelUri("in-data"));
            JobClient job = env.executeAsync("pixel-formats-" + processor);
            try (TricklePublisher in =
                    TricklePublisher.builder(server.channelUri("in"))
                            .deleteOnClose(false)
                            .build()) {
                for (byte[] segment : input) {
                    LivePacing.publishPaced(in, segment, LivePacing.segmentDuration(segment));
                }
            }
            Await.until(() -> !video.isEmpty(), 60, "output video");
            server.deleteChannel("in");
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            Await.until(() -> !server.channelNames().contains("in-out"), 30, "in-out deleted");
            Set<String> types = new HashSet<>();
            synchronized (events) {
                for (byte[] e : events) {
                    types.add(JSON.readTree(e).path("event").path("type").asText());
                }
            }
            assertThat(types)
                    .as(processor + " events")
                    .contains("stream_started")
                    .doesNotContain("error");
            List<JsonNode> items = new ArrayList<>();
            synchronized (data) {
                for (byte[] d : data) {
                    JSON.readTree(d).forEach(items::add);
                }
            }
            List<VideoFrame> output;
            synchronized (video) {
                output = decode(video, PixelFormat.YUV420P);
            }
            System.out.printf(
                    "%s: %d output frames, %d data items, events %s%n",
                    processor, output.size(), items.size(), types);
            return new Run(output, items);
        }
    }

    /** Every segment of a channel, read on a thread of its own until the channel ends. */
    private static List<byte[]> drain(URI channel) {
        List<byte[]> out = Collections.synchronizedList(new ArrayList<>());
        ChannelFollower.follow(channel, body -> out.add(body.readAllBytes()));
        return out;
    }

    private static List<VideoFrame> decode(List<byte[]> segments) throws Exception {
        return decode(segments, PixelFormat.RGB24);
    }

    private static List<VideoFrame> decode(List<byte[]> segments, PixelFormat format)
            throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder()
                        .pixelFormat(format)
                        .maxFramerate(0)
                        .build()
                        .open("out")) {
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
