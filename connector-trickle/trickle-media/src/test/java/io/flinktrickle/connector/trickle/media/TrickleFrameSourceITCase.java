package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.sink.TrickleSink;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Flink jobs reading clip A as decoded frames, and relaying them re-encoded. */
class TrickleFrameSourceITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(2);

    @Test
    void aStreamEndsWithItsMainChannelOrAStreamEndingRoleAndParamsAreReadFromTheStart()
            throws Exception {
        for (String ending : List.of("cam", "cam-params")) {
            try (TrickleServer server = TrickleServer.builder().build().start()) {
                server.createChannel("cam", TrickleProtocol.MIME_MPEGTS);
                server.createChannel("cam-control", TrickleProtocol.MIME_JSON);
                server.createChannel("cam-params", TrickleProtocol.MIME_JSON);
                try (TricklePublisher params =
                        TricklePublisher.builder(server.channelUri("cam-params"))
                                .deleteOnClose(false)
                                .build()) {
                    // Sent before the job runs: a params channel read from seq 0 gets both.
                    params.publish("{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    params.publish("{\"b\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment();
                env.setParallelism(1);
                TrickleSource<Frame> source =
                        TrickleSource.<Frame>builder()
                                .channel("cam", server.channelUri("cam"))
                                .channel(
                                        StreamChannelsDecoder.controlChannelKey("cam"),
                                        server.channelUri("cam-control"))
                                .channel(
                                        StreamChannelsDecoder.paramsChannelKey("cam"),
                                        server.channelUri("cam-params"),
                                        StartPosition.fromSeq(0))
                                .setOption(
                                        io.flinktrickle.connector.trickle.TrickleOptions
                                                .STREAM_ENDING_ROLES,
                                        List.of(StreamChannelsDecoder.PARAMS_ROLE))
                                .decoder(
                                        new StreamChannelsDecoder(
                                                MpegTsFrameDecoder.builder().build()))
                                .build();
                List<String> messages = new ArrayList<>();
                try (CloseableIterator<Frame> it =
                        env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames")
                                .executeAndCollect("stream ending")) {
                    while (messages.size() < 3 && it.hasNext()) {
                        Frame f = it.next();
                        if (f instanceof ControlFrame) {
                            messages.add(((ControlFrame) f).source() + ((ControlFrame) f).json());
                        }
                    }
                    // The stream's start comes first, in band, before anything of its channels.
                    assertThat(messages)
                            .containsExactly(
                                    "stream{\"op\":\"start\",\"attributes\":{}}",
                                    "params{\"a\":1}",
                                    "params{\"b\":2}");
                    // One channel ends (the control channel stays): the stream, and so the job,
                    // ends with it; the stream's end is the last record.
                    long start = System.nanoTime();
                    server.deleteChannel(ending);
                    List<Frame> rest = new ArrayList<>();
                    it.forEachRemaining(rest::add);
                    assertThat(rest).isNotEmpty();
                    assertThat(StreamLifecycle.isEnd(rest.get(rest.size() - 1)))
                            .as("the last record is the stream's end: " + rest)
                            .isTrue();
                    assertThat(rest.stream().filter(StreamLifecycle::isEnd)).hasSize(1);
                    assertThat(server.channelNames()).contains("cam-control");
                    assertThat((System.nanoTime() - start) / 1_000_000)
                            .as("the job ended after " + ending + " ended (ms)")
                            .isLessThan(30_000);
                }
            }
        }
    }

    @Test
    void clipAArrivesAsFramesInOrderIncludingTheLastSegmentsTail() throws Exception {
        try (TrickleServer server = TrickleServer.builder().retainedSegments(16).build().start()) {
            server.createChannel("cam", TrickleProtocol.MIME_MPEGTS);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.getConfig().enableObjectReuse();
            TrickleSource<Frame> source =
                    TrickleSource.<Frame>builder()
                            .channels(server.baseUri(), "cam")
                            .startPosition(StartPosition.fromSeq(0))
                            .decoder(MpegTsFrameDecoder.builder().maxFramerate(0).build())
                            .build();
            List<Frame> frames = new ArrayList<>();
            try (CloseableIterator<Frame> it =
                            env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames")
                                    .executeAndCollect("frames");
                    TricklePublisher pub =
                            TricklePublisher.builder(server.channelUri("cam"))
                                    .deleteOnClose(false)
                                    .build()) {
                for (Path p : TestMedia.clipA()) {
                    pub.publish(TestMedia.read(p));
                }
                // Everything but the stream's tail arrives while the channel is live...
                long videoFrames = 0;
                while (videoFrames < 295 && it.hasNext()) {
                    Frame f = it.next();
                    frames.add(f);
                    videoFrames += f.isVideo() ? 1 : 0;
                }
                // ...the tail when it ends: the decoder flushes it and the job finishes.
                server.deleteChannel("cam");
                it.forEachRemaining(frames::add);
            }
            List<VideoFrame> video = new ArrayList<>();
            int audio = 0;
            for (Frame f : frames) {
                if (f instanceof VideoFrame) {
                    video.add((VideoFrame) f);
                } else {
                    audio++;
                }
            }
            assertThat(video).hasSize(300);
            for (int i = 1; i < video.size(); i++) {
                assertThat(video.get(i).pts()).isGreaterThan(video.get(i - 1).pts());
            }
            assertThat(video)
                    .allMatch(
                            v ->
                                    v.streamKey().equals("cam")
                                            && v.width() == 512
                                            && v.height() == 512);
            assertThat(audio).isPositive();
        }
    }

    @Test
    void decodedFramesAreReEncodedToAnOutputChannelInOneChainedTask() throws Exception {
        try (TrickleServer server = TrickleServer.builder().retainedSegments(16).build().start()) {
            server.createChannel("cam", TrickleProtocol.MIME_MPEGTS);
            server.createChannel("cam-out", TrickleProtocol.MIME_MPEGTS);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.getConfig().enableObjectReuse();
            String base = server.baseUri().toString();
            DataStream<Frame> frames =
                    env.fromSource(
                            TrickleSource.<Frame>builder()
                                    .channels(server.baseUri(), "cam")
                                    .startPosition(StartPosition.fromSeq(0))
                                    .decoder(MpegTsFrameDecoder.builder().maxFramerate(0).build())
                                    .build(),
                            WatermarkStrategy.noWatermarks(),
                            "frames");
            DataStreamUtils.reinterpretAsKeyedStream(frames, Frame::streamKey, Types.STRING)
                    .map(f -> f) // a per-stream operator would go here
                    .returns(FrameTypeInfo.INSTANCE)
                    .sinkTo(
                            TrickleSink.<Frame>builder()
                                    .router(
                                            (f, subtask) ->
                                                    URI.create(base + f.streamKey() + "-out"))
                                    .encoder(MpegTsFrameEncoder.builder().build())
                                    .build());
            assertThat(env.getStreamGraph(false).getJobGraph().getNumberOfVertices()).isEqualTo(1);
            JobClient job = env.executeAsync("relay frames");

            List<byte[]> out = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader =
                    ChannelFollower.follow(
                            server.channelUri("cam-out"), body -> out.add(body.readAllBytes()));
            try (TricklePublisher pub =
                    TricklePublisher.builder(server.channelUri("cam"))
                            .deleteOnClose(false)
                            .build()) {
                for (Path p : TestMedia.clipA()) {
                    pub.publish(TestMedia.read(p));
                }
                // The input ends once the job has turned it into output; the job then finishes,
                // completing and deleting the output channel, which ends our reader.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (out.size() < 4 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                server.deleteChannel("cam");
            }
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            reader.join(30_000);
            List<Frame> decoded = new ArrayList<>();
            try (SegmentDecoder.ChannelDecoder<Frame> d =
                    MpegTsFrameDecoder.builder().maxFramerate(0).build().open("x")) {
                for (int i = 0; i < out.size(); i++) {
                    d.decode(
                            new SegmentInfo("x", i, "video/MP2T", 0),
                            new ByteArrayInputStream(out.get(i)),
                            decoded::add);
                }
                d.endOfStream(decoded::add);
            }
            assertThat(out).hasSize(5);
            assertThat(decoded.stream().filter(Frame::isVideo).count()).isEqualTo(300);
        }
    }
}
