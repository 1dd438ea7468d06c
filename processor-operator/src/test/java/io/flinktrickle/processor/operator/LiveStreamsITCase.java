package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.StreamChannelsDecoder;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.processor.testutils.Collect;
import io.flinktrickle.processor.testutils.OperatorJob.Out;
import io.flinktrickle.processor.testutils.TestProcessors;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two live streams through the real trickle server at parallelism 2, each with its video channel
 * and its control channel read by one {@link TrickleSource} ({@link StreamChannelsDecoder}): each
 * stream's params reach the subtask that processes its frames, in one chained task.
 */
class LiveStreamsITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(2);

    @Test
    void eachStreamsControlChannelReachesItsFramesAtParallelismTwo() throws Exception {
        String[] streams = streamsOnDifferentSubtasks();
        try (TrickleServer server = TrickleServer.builder().retainedSegments(16).build().start()) {
            var source =
                    TrickleSource.<Frame>builder()
                            .startPosition(StartPosition.fromSeq(0))
                            .decoder(
                                    new StreamChannelsDecoder(
                                            MpegTsFrameDecoder.builder().maxFramerate(0).build()));
            for (String s : streams) {
                server.createChannel(s, TrickleProtocol.MIME_MPEGTS);
                server.createChannel(s + "-control", "application/json");
                source.channel(s, server.channelUri(s));
                source.channel(
                        StreamChannelsDecoder.controlChannelKey(s),
                        server.channelUri(s + "-control"));
            }
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.getConfig().enableObjectReuse();
            DataStream<Frame> frames =
                    env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "trickle");
            SingleOutputStreamOperator<Frame> out =
                    FrameProcessing.builder(new TestProcessors.Stamping())
                            .maxFramerate(0)
                            .policy(RealTimePolicy.BLOCK) // clips are published faster than live
                            .build()
                            .apply(
                                    DataStreamUtils.reinterpretAsKeyedStream(
                                            frames, Frame::streamKey, Types.STRING));
            out.map(Out::of).returns(Out.class).sinkTo(Collect.into("live-frames"));
            out.getSideOutput(FrameProcessing.EVENTS).sinkTo(Collect.into("live-events"));
            assertThat(env.getStreamGraph(false).getJobGraph().getNumberOfVertices()).isEqualTo(1);
            JobClient job = env.executeAsync("live streams");

            for (int i = 0; i < streams.length; i++) {
                try (TricklePublisher control =
                        TricklePublisher.builder(server.channelUri(streams[i] + "-control"))
                                .deleteOnClose(false)
                                .build()) {
                    control.publish(
                            ("{\"stamp\":" + (11 * (i + 1)) + "}")
                                    .getBytes(StandardCharsets.UTF_8));
                }
            }
            for (String s : streams) {
                try (TricklePublisher video =
                        TricklePublisher.builder(server.channelUri(s))
                                .deleteOnClose(false)
                                .build()) {
                    for (Path p : TestMedia.clipA()) {
                        video.publish(TestMedia.read(p));
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (videoOut().size() < 2 * 295 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            for (String s : streams) {
                server.deleteChannel(s);
                server.deleteChannel(s + "-control");
            }
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        }
        for (int i = 0; i < streams.length; i++) {
            String s = streams[i];
            List<Out> video =
                    videoOut().stream()
                            .filter(o -> o.stream.equals(s))
                            .collect(Collectors.toList());
            assertThat(video).as(s).hasSize(300);
            int stamp = 11 * (i + 1);
            assertThat(video.get(video.size() - 1).stamp)
                    .as(s + " params applied")
                    .isEqualTo(stamp);
            boolean switched = false;
            for (Out o : video) {
                switched |= o.stamp == stamp;
                assertThat(o.stamp)
                        .as(s + ": no frame goes back to the old params")
                        .isEqualTo(switched ? stamp : 0);
            }
        }
    }

    private static List<Out> videoOut() {
        List<Out> all = Collect.get("live-frames");
        return all.stream().filter(o -> o.video).collect(Collectors.toList());
    }

    /** Two stream keys that parallelism 2 puts on different subtasks. */
    private static String[] streamsOnDifferentSubtasks() {
        List<String> picked = new ArrayList<>();
        boolean[] taken = new boolean[2];
        for (int i = 0; picked.size() < 2; i++) {
            String s = "stream-" + i;
            int owner = KeyGroupSplitAssigner.ownerOf(s, 0, 2);
            if (!taken[owner]) {
                taken[owner] = true;
                picked.add(s);
            }
        }
        return picked.toArray(new String[0]);
    }
}
