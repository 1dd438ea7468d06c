package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A Flink job reading clip A as decoded frames from the embedded trickle server. */
class TrickleFrameSourceITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

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
}
