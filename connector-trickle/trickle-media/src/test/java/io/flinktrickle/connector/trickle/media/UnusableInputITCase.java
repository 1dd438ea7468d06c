package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inputs a stream cannot use, read by a runner-mode source (announced streams, a failed channel
 * ends its stream) on the real embedded trickle server with real FFmpeg: each stream's reason comes
 * in band, the stream it concerns alone, and a channel that appears within the wait plays.
 */
class UnusableInputITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(1);

    private static final Duration WAIT = Duration.ofSeconds(3);

    @Test
    void eachUnusableInputReportsItsReasonAndALateChannelStillPlays() throws Exception {
        try (TrickleServer server = TrickleServer.builder().autocreate(false).build().start()) {
            server.createChannel("streams", TrickleProtocol.MIME_JSON);
            server.createChannel("text", "text/plain");
            server.createChannel("audio", TrickleProtocol.MIME_MPEGTS);
            server.createChannel("noise", TrickleProtocol.MIME_MPEGTS);
            publish(server, "text", List.of("hello".getBytes(StandardCharsets.UTF_8)));
            List<java.nio.file.Path> audioOnly = TestMedia.segments("clip-e-aac-only");
            Random random = new Random(11);
            List<byte[]> audio = new ArrayList<>();
            List<byte[]> noise = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                audio.add(TestMedia.read(audioOnly.get(i % audioOnly.size())));
                byte[] n = new byte[100_000];
                random.nextBytes(n);
                noise.add(n);
            }
            publish(server, "audio", audio);
            publish(server, "noise", noise);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            TrickleSource<Frame> source =
                    TrickleSource.<Frame>builder()
                            .announcements(server.channelUri("streams"))
                            .setOption(TrickleOptions.FAILED_CHANNEL_ENDS_STREAM, true)
                            .setOption(TrickleOptions.AWAIT_CHANNEL, WAIT)
                            .decoder(
                                    new StreamChannelsDecoder(
                                            MpegTsFrameDecoder.builder()
                                                    .maxFramerate(0)
                                                    .errorBudget(2)
                                                    .build()))
                            .build();
            try (CloseableIterator<String> it =
                    env.fromSource(source, WatermarkStrategy.noWatermarks(), "announced")
                            .map(new Describe())
                            .executeAndCollect("unusable inputs")) {
                long seq = 0;
                for (String id : List.of("missing", "text", "audio", "noise", "late")) {
                    String json =
                            StreamAnnouncement.builder(id, server.channelUri(id))
                                    .start(StreamAnnouncement.MAIN_ROLE, 0)
                                    .attribute(StreamLifecycle.WIDTH, "64")
                                    .attribute(StreamLifecycle.HEIGHT, "64")
                                    .build()
                                    .toJson();
                    server.write(
                            "streams",
                            TrickleProtocol.MIME_JSON,
                            seq++,
                            json.getBytes(StandardCharsets.UTF_8),
                            false);
                }
                long announced = System.nanoTime();
                // The gateway of "late" creates its channel a second after the start.
                Thread.sleep(1_000);
                server.createChannel("late", TrickleProtocol.MIME_MPEGTS);
                publish(server, "late", List.of(TestMedia.read(TestMedia.clipA().get(0))));

                Map<String, List<String>> records = new HashMap<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!has(records, "missing", "end")
                        || !has(records, "text", "end")
                        || !has(records, "audio", "error")
                        || !has(records, "noise", "error")
                        || !has(records, "late", "video")) {
                    assertThat(System.nanoTime()).as("records: " + records).isLessThan(deadline);
                    assertThat(it.hasNext()).isTrue();
                    String r = it.next();
                    String key = r.substring(0, r.indexOf(' '));
                    records.computeIfAbsent(StreamAnnouncement.idOf(key), k -> new ArrayList<>())
                            .add(r.substring(key.length() + 1));
                    if (r.startsWith("missing end")) {
                        assertThat((System.nanoTime() - announced) / 1_000_000)
                                .as("a missing channel is waited for")
                                .isGreaterThanOrEqualTo(WAIT.toMillis() - 200);
                    }
                }
                assertThat(records.get("missing"))
                        .as("a channel never created ends its stream, naming it")
                        .last()
                        .isEqualTo(
                                "end input channel "
                                        + server.channelUri("missing")
                                        + " not found after 3 s");
                assertThat(records.get("text"))
                        .as("a channel that is not MPEG-TS ends its stream with the reason")
                        .last()
                        .asString()
                        .contains(
                                "input channel " + server.channelUri("text"),
                                "'text/plain', not MPEG-TS");
                assertThat(records.get("audio"))
                        .as("an input without video is reported, and the stream goes on")
                        .anyMatch(r -> r.startsWith("error") && r.contains("no video stream"))
                        .noneMatch(r -> r.startsWith("end"));
                assertThat(records.get("noise"))
                        .as("an input that fails segment after segment is reported")
                        .anyMatch(
                                r ->
                                        r.startsWith("error")
                                                && r.contains("2 segments in a row failed"))
                        .noneMatch(r -> r.startsWith("end"));
                assertThat(records.get("late"))
                        .as("a channel created within the wait plays")
                        .noneMatch(r -> r.startsWith("end") || r.startsWith("error"));
            }
        }
    }

    /** Publishes {@code segments} from seq 0, as one publisher. */
    private static void publish(TrickleServer server, String channel, List<byte[]> segments)
            throws Exception {
        try (TricklePublisher pub =
                TricklePublisher.builder(server.channelUri(channel)).deleteOnClose(false).build()) {
            for (byte[] segment : segments) {
                pub.publish(segment);
            }
        }
    }

    private static boolean has(Map<String, List<String>> records, String id, String kind) {
        return records.containsKey(id)
                && records.get(id).stream().anyMatch(r -> r.startsWith(kind));
    }

    /** "key start" | "key video" | "key error FAILURE" | "key end [FAILURE]" | "key other". */
    private static final class Describe implements MapFunction<Frame, String> {
        @Override
        public String map(Frame f) {
            String failure = StreamLifecycle.failure(f);
            String kind =
                    StreamLifecycle.isStart(f)
                            ? "start"
                            : StreamLifecycle.isEnd(f)
                                    ? "end"
                                    : StreamLifecycle.isError(f)
                                            ? "error"
                                            : f instanceof VideoFrame ? "video" : "other";
            return f.streamKey() + " " + kind + (failure == null ? "" : " " + failure);
        }
    }
}
