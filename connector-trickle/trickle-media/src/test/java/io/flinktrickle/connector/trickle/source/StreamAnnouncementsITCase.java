package io.flinktrickle.connector.trickle.source;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.StreamChannelsDecoder;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams announced to a running source (parallelism 2) against the real trickle server: each is
 * read from the moment it is announced, on the least-loaded subtask, starts and ends in band with
 * its attributes, and is listed in the registry; a stream whose channel fails ends alone, as does
 * one whose decoder refuses its attributes; bad and repeated announcements change nothing.
 */
class StreamAnnouncementsITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(2);

    @Test
    void announcedStreamsAreReadOnTheLeastLoadedSubtaskAndEndInBand() throws Exception {
        try (TrickleServer server = TrickleServer.builder().retainedSegments(16).build().start()) {
            server.createChannel("streams", TrickleProtocol.MIME_JSON);
            server.createChannel("registry", TrickleProtocol.MIME_JSON);
            List<String> ids = List.of("s1", "s2", "s3", "s4");
            for (String id : ids) {
                server.createChannel(id, TrickleProtocol.MIME_MPEGTS);
            }
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            TrickleSource<Frame> source =
                    TrickleSource.<Frame>builder()
                            .announcements(server.channelUri("streams"))
                            .registry(server.channelUri("registry"))
                            .setOption(TrickleOptions.FAILED_CHANNEL_ENDS_STREAM, true)
                            .setOption(TrickleOptions.MAX_ATTEMPTS, 2)
                            // Read as announced, not listed in the registry.
                            .setOption(
                                    TrickleOptions.REGISTRY_OMITTED_ATTRIBUTES,
                                    List.of("url.publish"))
                            .decoder(
                                    new StreamChannelsDecoder(
                                            MpegTsFrameDecoder.builder().maxFramerate(0).build()))
                            .build();
            try (CloseableIterator<String> it =
                            env.fromSource(source, WatermarkStrategy.noWatermarks(), "announced")
                                    .map(new Describe())
                                    .executeAndCollect("announced streams");
                    JsonMessageSubscriber registry =
                            new JsonMessageSubscriber(
                                    TrickleSubscriber.builder(server.channelUri("registry"))
                                            .startSeq(TrickleProtocol.SEQ_NEXT)
                                            .build(),
                                    JSON)) {
                long seq = 0;
                write(server, seq++, "this is not JSON");
                write(server, seq++, "{\"op\":\"start\",\"stream\":\"bad#id\"}");
                Map<String, List<String>> records = new HashMap<>();
                for (String id : ids) {
                    write(
                            server,
                            seq++,
                            StreamAnnouncement.builder(id, server.channelUri(id))
                                    // From its first segment: it is written before the reader
                                    // joins (a live reader would start at the current one).
                                    .start(StreamAnnouncement.MAIN_ROLE, 0)
                                    .attribute(StreamLifecycle.WIDTH, "64")
                                    .attribute(StreamLifecycle.HEIGHT, "64")
                                    .attribute("url.publish", "http://o/" + id + "-out")
                                    .build()
                                    .toJson());
                }
                // Announced again while it runs: ignored.
                write(
                        server,
                        seq++,
                        StreamAnnouncement.builder("s1", server.channelUri("s1")).build().toJson());
                // One stream whose input is on a port nobody listens on: it fails, alone.
                write(
                        server,
                        seq++,
                        StreamAnnouncement.builder("dead", URI.create("http://127.0.0.1:9/dead"))
                                .build()
                                .toJson());
                // One stream whose size its decoder cannot use: refused, alone; the job goes on.
                server.createChannel("odd", TrickleProtocol.MIME_MPEGTS);
                write(
                        server,
                        seq++,
                        StreamAnnouncement.builder("odd", server.channelUri("odd"))
                                .attribute(StreamLifecycle.WIDTH, "513")
                                .build()
                                .toJson());
                for (String id : ids) {
                    try (TricklePublisher pub =
                            TricklePublisher.builder(server.channelUri(id))
                                    .deleteOnClose(false)
                                    .build()) {
                        pub.publish(TestMedia.read(TestMedia.clipA().get(0)));
                    }
                }
                // Every stream starts, with its attributes, before its first frame.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!allHaveFrames(records, ids)
                        || !ended(records, "dead")
                        || !ended(records, "odd")) {
                    assertThat(System.nanoTime())
                            .as("records so far: " + records)
                            .isLessThan(deadline);
                    assertThat(it.hasNext()).isTrue();
                    add(records, it.next());
                }
                Map<String, Integer> subtaskOf = new HashMap<>();
                for (String id : ids) {
                    List<String> r = records.get(id);
                    assertThat(r.get(0)).as(id).startsWith("start ");
                    assertThat(r.get(0))
                            .contains("\"width\":\"64\"", "\"stream.id\":\"" + id + "\"");
                    assertThat(r).filteredOn(x -> x.startsWith("start")).hasSize(1);
                    assertThat(r)
                            .filteredOn(x -> x.startsWith("video"))
                            .as("frames at the announced size")
                            .allMatch(x -> x.equals("video 64x64"));
                    subtaskOf.put(id, Integer.parseInt(r.get(0).replaceAll(".* subtask ", "")));
                }
                assertThat(subtaskOf.values().stream().filter(v -> v == 0)).hasSize(2);
                assertThat(subtaskOf.values().stream().filter(v -> v == 1)).hasSize(2);
                assertThat(records.get("dead"))
                        .as("the dead stream starts and ends with its failure")
                        .hasSize(2)
                        .satisfies(r -> assertThat(r.get(1)).contains("failed"));
                assertThat(records.get("odd"))
                        .as("the stream its decoder refuses starts and ends with the reason")
                        .hasSize(2)
                        .satisfies(
                                r ->
                                        assertThat(r.get(1))
                                                .contains("stream refused", "width", "513"));

                // The registry lists the live streams (published after each change, and when
                // asked). An answer is written at the registry's next seq, which this reader's
                // first GET (for the next seq) can reach the server after: ask every second, as
                // the sidecar asks again, until an answer is read.
                AtomicBoolean asking = new AtomicBoolean(true);
                long firstAsk = seq;
                Thread asker =
                        new Thread(
                                () -> {
                                    for (long s = firstAsk; asking.get(); s++) {
                                        write(server, s, "{\"op\":\"registry\"}");
                                        try {
                                            Thread.sleep(1000);
                                        } catch (InterruptedException e) {
                                            return;
                                        }
                                    }
                                },
                                "registry-asker");
                asker.setDaemon(true);
                asker.start();
                JsonNode latest = null;
                try {
                    while (latest == null || latest.path("streams").size() != ids.size()) {
                        Optional<JsonNode> m = registry.next();
                        assertThat(m).isPresent();
                        latest = m.get();
                    }
                } finally {
                    asking.set(false);
                    asker.interrupt();
                    asker.join(5_000);
                }
                // A controller that joins now reads the newest registry at the current segment.
                try (JsonMessageSubscriber late =
                        new JsonMessageSubscriber(
                                TrickleSubscriber.builder(server.channelUri("registry"))
                                        .startSeq(TrickleProtocol.SEQ_CURRENT)
                                        .build(),
                                JSON)) {
                    java.util.concurrent.CompletableFuture<Optional<JsonNode>> read =
                            java.util.concurrent.CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            return late.next();
                                        } catch (Exception e) {
                                            throw new java.util.concurrent.CompletionException(e);
                                        }
                                    });
                    assertThat(read.get(10, TimeUnit.SECONDS))
                            .as("the current segment holds the newest registry, not an empty one")
                            .hasValueSatisfying(
                                    r -> assertThat(r.path("streams").size()).isEqualTo(4));
                }
                List<String> listed = new ArrayList<>();
                latest.path("streams").forEach(s -> listed.add(s.path("stream").asText()));
                assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
                latest.path("streams")
                        .forEach(
                                e -> {
                                    JsonNode attributes = e.path("announcement").path("attributes");
                                    assertThat(attributes.has("width")).isTrue();
                                    assertThat(attributes.has("url.publish"))
                                            .as("omitted from the registry: " + e)
                                            .isFalse();
                                });
                assertThat(records.get("s1").get(0))
                        .as("the stream itself has it")
                        .contains("url.publish");

                // An input that ends ends its stream: the end is its last record.
                server.deleteChannel("s2");
                while (records.get("s2").stream().noneMatch(r -> r.startsWith("end"))) {
                    assertThat(it.hasNext()).isTrue();
                    add(records, it.next());
                }
                List<String> s2 = records.get("s2");
                assertThat(s2.get(s2.size() - 1)).isEqualTo("end");
            }
        }
    }

    private static boolean ended(Map<String, List<String>> records, String id) {
        return records.containsKey(id)
                && records.get(id).stream().anyMatch(r -> r.startsWith("end"));
    }

    private static boolean allHaveFrames(Map<String, List<String>> records, List<String> ids) {
        for (String id : ids) {
            List<String> r = records.get(id);
            if (r == null || r.stream().filter(x -> x.startsWith("video")).count() < 30) {
                return false;
            }
        }
        return true;
    }

    private static void add(Map<String, List<String>> records, String described) {
        String key = described.substring(0, described.indexOf(' '));
        records.computeIfAbsent(StreamAnnouncement.idOf(key), k -> new ArrayList<>())
                .add(described.substring(key.length() + 1));
    }

    private static void write(TrickleServer server, long seq, String json) {
        server.write(
                "streams",
                TrickleProtocol.MIME_JSON,
                seq,
                json.getBytes(StandardCharsets.UTF_8),
                false);
    }

    /** "key start {attributes} subtask N" | "key video WxH" | "key end [failure]". */
    private static final class Describe extends RichMapFunction<Frame, String> {
        @Override
        public String map(Frame f) {
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            if (StreamLifecycle.isStart(f)) {
                return f.streamKey()
                        + " start "
                        + JSON.valueToTree(StreamLifecycle.attributes(f))
                        + " subtask "
                        + subtask;
            }
            if (StreamLifecycle.isEnd(f)) {
                String failure = StreamLifecycle.failure(f);
                return f.streamKey() + " end" + (failure == null ? "" : " " + failure);
            }
            if (f instanceof VideoFrame) {
                return f.streamKey()
                        + " video "
                        + ((VideoFrame) f).width()
                        + "x"
                        + ((VideoFrame) f).height();
            }
            return f.streamKey() + " other";
        }
    }
}
