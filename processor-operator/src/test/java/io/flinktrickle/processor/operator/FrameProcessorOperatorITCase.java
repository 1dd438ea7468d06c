package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.processor.testutils.Collect;
import io.flinktrickle.processor.testutils.OperatorJob;
import io.flinktrickle.processor.testutils.OperatorJob.Out;
import io.flinktrickle.processor.testutils.TestProcessors;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator in a MiniCluster on real decoded clip A frames at real-time pace: params ordered
 * with frames, the fps cap changing live, events and data, the real-time policies under a slow
 * processor, async out-of-order completion, failures, and chaining.
 */
class FrameProcessorOperatorITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final MiniClusterExtension CLUSTER = TestClusters.miniCluster(2);

    @Test
    void paramsApplyAtTheRightFrameAndTheFpsCapChangesLive() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        FrameProcessing processing =
                FrameProcessing.builder(new TestProcessors.Stamping())
                        .maxFramerate(0)
                        .devices(List.of("gpu:1"))
                        .initialParams("p", Map.of("stamp", 5))
                        .dataFlushInterval(java.time.Duration.ofMillis(100))
                        .build();
        OperatorJob.build(
                env,
                "params",
                "p",
                240,
                processing,
                Map.of(
                        0, "{\"keep\":\"alive\"}",
                        60, "{\"stamp\":9,\"max_framerate\":10}",
                        120, "{\"width\":5}",
                        150, "not json",
                        180, "{\"reject\":true,\"stamp\":1}",
                        210, "{\"other\":1}"));
        env.execute("params");

        List<Out> video = video("params");
        List<Long> boundaries = TestProcessors.UPDATE_BOUNDARIES.get("p");
        assertThat(boundaries).as("two accepted updates reached updateParams").hasSize(2);
        long boundary = boundaries.get(0);
        List<Long> inputPts =
                io.flinktrickle.processor.testutils.ClipFrames.firstVideoFrames(240).stream()
                        .filter(io.flinktrickle.connector.trickle.media.Frame::isVideo)
                        .map(io.flinktrickle.connector.trickle.media.Frame::pts)
                        .collect(Collectors.toList());
        assertThat(boundary)
                .as("the update sent before video frame 60 follows frame 59")
                .isEqualTo(inputPts.get(59));
        assertThat(video).isNotEmpty();
        for (Out o : video) {
            assertThat(o.stamp)
                    .as("frame %s against the update after pts %s", o, boundary)
                    .isEqualTo(o.pts <= boundary ? 5 : 9);
        }
        // Before the update all 30 fps pass (cap off); after it, at most 10 fps by pts.
        List<Out> before =
                video.stream().filter(o -> o.pts <= boundary).collect(Collectors.toList());
        List<Out> after = video.stream().filter(o -> o.pts > boundary).collect(Collectors.toList());
        assertThat(before.size()).isGreaterThan(30);
        assertThat(after.size()).isGreaterThan(10);
        for (int i = 1; i < before.size(); i++) {
            assertThat(before.get(i).pts - before.get(i - 1).pts).isEqualTo(3000);
        }
        for (int i = 1; i < after.size(); i++) {
            assertThat(after.get(i).pts - after.get(i - 1).pts).isEqualTo(9000);
        }
        assertOrdered(Collect.get("params-frames"));

        List<JsonNode> events = events("params");
        List<String> types = types(events);
        assertThat(types)
                .startsWith("stream_started", "heartbeat")
                .contains(
                        "receive_first_ingest_segment",
                        "send_first_processed_segment",
                        "processor_started")
                .endsWith("stream_stopped");
        JsonNode started = events.get(0).get("event");
        assertThat(started.get("device").asText()).isEqualTo("gpu:1");
        assertThat(started.get("params").get("stamp").asInt()).isEqualTo(5);
        List<JsonNode> updates = ofType(events, "params_updated");
        assertThat(updates).hasSize(5);
        // The rejected update was not kept: the update after it merges on stamp 9, not 1.
        assertThat(updates.get(4).get("params").get("stamp").asInt()).isEqualTo(9);
        assertThat(updates.get(4).get("params").has("reject")).isFalse();
        assertThat(updates.get(0).get("status").asText()).isEqualTo("ok");
        assertThat(updates.get(0).get("params").get("stamp").asInt()).isEqualTo(9);
        assertThat(updates.get(1).get("error").asText()).contains("width and height");
        assertThat(updates.get(2).get("error").asText()).contains("not valid JSON");
        assertThat(updates.get(3).get("status").asText()).isEqualTo("error");
        assertThat(updates.get(3).get("error").asText()).contains("rejects");
        assertThat(events.get(0).get("queue_event_type").asText()).isEqualTo("ai_stream_events");
        assertThat(ofType(events, "processor_started").get(0).get("params").get("stamp").asInt())
                .isEqualTo(5);

        List<TrickleMessage> data = Collect.get("params-data");
        List<JsonNode> items = new ArrayList<>();
        for (TrickleMessage m : data) {
            assertThat(m.json).endsWith("]\n");
            JSON.readTree(m.json).forEach(items::add);
        }
        assertThat(items).isNotEmpty();
        assertThat(items.get(0).get("stamp").isInt()).as("typed JSON, not a string").isTrue();
    }

    @Test
    void dropOldestKeepsLatencyBoundedUnderASlowProcessor() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env,
                "drop",
                "d",
                150,
                FrameProcessing.builder(new TestProcessors.Slow(100))
                        .maxFramerate(0)
                        .maxQueuedFrames(2)
                        .heartbeatInterval(java.time.Duration.ofSeconds(1))
                        .build(),
                Map.of(0, "{\"keep\":\"alive\"}"));
        env.execute("drop");

        List<Out> video = video("drop");
        long dropped = 150 - video.size();
        System.out.printf(
                "DROP_OLDEST, 100 ms/frame at 30 fps: %d of 150 out, %d dropped%n",
                video.size(), dropped);
        // 100 ms per frame at 30 fps: about a third gets through, the rest is dropped.
        assertThat(video.size()).isBetween(30, 75);
        long[] latencies = video.stream().mapToLong(o -> o.latencyMillis).sorted().toArray();
        long p95 = latencies[(int) (latencies.length * 0.95)];
        // At most 2 waiting + 1 in flight: ~300 ms of queueing plus the frame's own 100 ms.
        System.out.printf(
                "DROP_OLDEST latency p50 %d ms, p95 %d ms%n", latencies[latencies.length / 2], p95);
        assertThat(p95).as("p95 latency with %s dropped", dropped).isLessThan(800);
        assertOrdered(Collect.get("drop-frames"));
        assertKeyframesCarried(video, 150);
        assertThat(audio("drop")).as("audio is never dropped").isEqualTo(audioIn(150));
        JsonNode heartbeat = lastHeartbeat(events("drop"));
        assertThat(heartbeat.get("frames_dropped").asLong()).isGreaterThan(0);
        assertThat(heartbeat.get("fps").get("egress_video_fps").asDouble()).isBetween(5.0, 15.0);
        assertThat(heartbeat.get("fps").get("ingress_video_fps").asDouble()).isBetween(20.0, 40.0);
    }

    @Test
    void dropOldestBoundsTheQueueDelayWhateverTheQueueLength() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env,
                "delay",
                "w",
                90,
                FrameProcessing.builder(new TestProcessors.Slow(100))
                        .maxFramerate(0)
                        .maxQueuedFrames(1000)
                        .maxQueueDelay(java.time.Duration.ofMillis(300))
                        .build(),
                Map.of());
        env.execute("delay");
        List<Out> video = video("delay");
        long[] latencies = video.stream().mapToLong(o -> o.latencyMillis).sorted().toArray();
        long max = latencies[latencies.length - 1];
        System.out.printf(
                "DROP_OLDEST, queue 1000, delay 300 ms: %d of 90 out, max latency %d ms%n",
                video.size(), max);
        assertThat(video.size()).isLessThan(60);
        // 300 ms waiting at most, plus the frame's own 100 ms and scheduling.
        assertThat(max).isLessThan(700);
    }

    @Test
    void aStreamStoppedForIdlenessStartsAgainWhenItsInputComesBack() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        org.apache.flink.streaming.api.datastream.DataStream<
                        io.flinktrickle.connector.trickle.media.Frame>
                frames =
                        env.fromSource(
                                io.flinktrickle.processor.testutils.ClipFrames.pausingSource(
                                        "i", 90, 45, 1_500),
                                org.apache.flink.api.common.eventtime.WatermarkStrategy
                                        .noWatermarks(),
                                "frames");
        org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator<
                        io.flinktrickle.connector.trickle.media.Frame>
                out =
                        FrameProcessing.builder(new TestProcessors.Stamping())
                                .maxFramerate(0)
                                .streamIdleTimeout(java.time.Duration.ofMillis(400))
                                .build()
                                .apply(
                                        org.apache.flink.streaming.api.datastream.DataStreamUtils
                                                .reinterpretAsKeyedStream(
                                                        frames,
                                                        io.flinktrickle.connector.trickle.media
                                                                        .Frame
                                                                ::streamKey,
                                                        org.apache.flink.api.common.typeinfo.Types
                                                                .STRING));
        out.map(Out::of).returns(Out.class).sinkTo(Collect.into("idle-frames"));
        out.getSideOutput(FrameProcessing.EVENTS).sinkTo(Collect.into("idle-events"));
        env.execute("idle");
        List<Out> video = video("idle");
        assertThat(video).as("every frame once").hasSize(90);
        assertThat(video.stream().map(o -> o.pts).distinct().count()).isEqualTo(90);
        assertOrdered(Collect.get("idle-frames"));
        List<String> types = types(events("idle"));
        assertThat(types.stream().filter("stream_started"::equals).count()).isEqualTo(2);
        assertThat(types.stream().filter("stream_stopped"::equals).count()).isEqualTo(2);
        assertThat(TestProcessors.STARTS.get("i")).hasSize(2);
        // The idle stop says why, in an error event and in its stream_stopped.
        List<JsonNode> stopped = ofType(events("idle"), "stream_stopped");
        assertThat(stopped.get(0).path("error").asText())
                .isEqualTo("no input on stream i for 400 ms");
        assertThat(types).contains("error");
    }

    @Test
    void blockBackpressuresAndNoneQueuesEverything() throws Exception {
        for (RealTimePolicy policy :
                new RealTimePolicy[] {RealTimePolicy.BLOCK, RealTimePolicy.NONE}) {
            String name = policy.name().toLowerCase();
            StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
            OperatorJob.build(
                    env,
                    name,
                    name,
                    60,
                    FrameProcessing.builder(new TestProcessors.Slow(60))
                            .policy(policy)
                            .maxFramerate(0)
                            .maxQueuedFrames(2)
                            .build(),
                    Map.of(0, "{\"keep\":\"alive\"}"));
            env.execute(name);
            List<Out> video = video(name);
            assertThat(video).as(name + ": nothing dropped").hasSize(60);
            assertOrdered(Collect.get(name + "-frames"));
            long last = video.get(video.size() - 1).latencyMillis;
            System.out.printf(
                    "%s, 60 ms/frame at 30 fps: last frame's latency %d ms%n", policy, last);
            if (policy == RealTimePolicy.BLOCK) {
                // The source waits, so frames are stamped late and their latency stays small.
                assertThat(last).as("BLOCK latency of the last frame").isLessThan(600);
            } else {
                // Stamped on time, queued: 60 frames x (60 - 33) ms of lag builds up.
                assertThat(last).as("NONE latency of the last frame").isGreaterThan(1_000);
            }
        }
    }

    @Test
    void asyncResultsOutOfOrderStillLeaveInPtsOrder() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env,
                "async",
                "a",
                90,
                FrameProcessing.builder(new TestProcessors.Shuffling())
                        .maxFramerate(0)
                        .maxInFlightPerStream(8)
                        .maxQueuedFrames(8)
                        .build(),
                Map.of(0, "{\"keep\":\"alive\"}"));
        env.execute("async");
        long withheld =
                io.flinktrickle.processor.testutils.ClipFrames.firstVideoFrames(90).stream()
                        .filter(f -> f.isVideo() && (f.pts() / 3000) % 4 == 0)
                        .count();
        assertThat(withheld).isPositive();
        assertThat(video("async")).as("null withholds a frame").hasSize(90 - (int) withheld);
        assertThat(video("async")).noneMatch(o -> (o.pts / 3000) % 4 == 0);
        assertOrdered(Collect.get("async-frames"));
        // Clip A's keyframes fall on withheld frames here: the next frame out takes their mark.
        assertKeyframesCarried(video("async"), 90);
    }

    @Test
    void anAsyncResultThatNeverCompletesTimesOutAndPassesThrough() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env,
                "timeout",
                "t",
                30,
                FrameProcessing.builder(new TestProcessors.NeverCompletes(10))
                        .maxFramerate(0)
                        .processingTimeout(java.time.Duration.ofMillis(300))
                        .build(),
                Map.of());
        env.execute("timeout");
        assertThat(video("timeout")).hasSize(30);
        assertOrdered(Collect.get("timeout-frames"));
        assertThat(ofType(events("timeout"), "error"))
                .anySatisfy(e -> assertThat(e.get("message").asText()).contains("Timeout"));
    }

    @Test
    void failuresPassTheInputThroughAndAreReported() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env,
                "fail",
                "f",
                60,
                FrameProcessing.builder(new TestProcessors.Failing(3)).maxFramerate(0).build(),
                Map.of(0, "{\"keep\":\"alive\"}"));
        env.execute("fail");
        List<Out> video = video("fail");
        assertThat(video).hasSize(60);
        Map<Long, Integer> inputStamps = new java.util.HashMap<>();
        for (io.flinktrickle.connector.trickle.media.Frame f :
                io.flinktrickle.processor.testutils.ClipFrames.firstVideoFrames(60)) {
            if (f.isVideo()) {
                inputStamps.put(
                        f.pts(),
                        TestProcessors.stampOf(
                                (io.flinktrickle.connector.trickle.media.VideoFrame) f));
            }
        }
        for (Out o : video) {
            int in = inputStamps.get(o.pts);
            boolean failed = (o.pts / 3000) % 3 == 0;
            assertThat(o.stamp)
                    .as("frame %s: %s", o, failed ? "the input, passed through" : "inverted")
                    .isEqualTo(failed ? in : (~in) & 0xff);
        }
        List<JsonNode> errors = ofType(events("fail"), "error");
        assertThat(errors).isNotEmpty();
        assertThat(errors.get(0).get("message").asText()).contains("boom");

        StreamExecutionEnvironment env2 = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env2,
                "errored",
                "e",
                60,
                FrameProcessing.builder(new TestProcessors.Failing(1))
                        .maxFramerate(0)
                        .maxConsecutiveFailures(5)
                        .build(),
                Map.of(0, "{\"keep\":\"alive\"}"));
        env2.execute("errored");
        assertThat(video("errored")).hasSize(60);
        assertThat(ofType(events("errored"), "error"))
                .anySatisfy(e -> assertThat(e.has("stream_state")).isTrue());
    }

    @Test
    void sourceOperatorAndSinksAreOneChainedTask() {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        OperatorJob.build(
                env,
                "graph",
                "g",
                10,
                FrameProcessing.builder(new TestProcessors.Stamping()).build(),
                Map.of());
        List<String> names = vertexNames(env);
        assertThat(names).hasSize(1);
        assertThat(names.get(0))
                .contains("Source: frames")
                .contains("frame-processor")
                .contains("Writer");
    }

    private static List<String> vertexNames(StreamExecutionEnvironment env) {
        JobGraph graph = env.getStreamGraph(false).getJobGraph();
        List<String> names = new ArrayList<>();
        for (JobVertex v : graph.getVertices()) {
            names.add(v.getName());
        }
        return names;
    }

    // ---- helpers ----

    static List<Out> video(String name) {
        List<Out> all = Collect.get(name + "-frames");
        return all.stream().filter(o -> o.video).collect(Collectors.toList());
    }

    private static long audio(String name) {
        List<Out> all = Collect.get(name + "-frames");
        return all.stream().filter(o -> !o.video).count();
    }

    private static long audioIn(int videoFrames) {
        return io.flinktrickle.processor.testutils.ClipFrames.firstVideoFrames(videoFrames).stream()
                .filter(f -> !f.isVideo())
                .count();
    }

    /**
     * The output's keyframe marks are on the first kept frame of each input GOP, and nowhere else:
     * an input keyframe dropped (or a processor's new frame without the mark) still starts a GOP at
     * the next frame that goes out, so the encoder cuts where the input's segment starts.
     */
    static void assertKeyframesCarried(List<Out> video, int videoFrames) {
        List<Long> keyPts =
                io.flinktrickle.processor.testutils.ClipFrames.firstVideoFrames(videoFrames)
                        .stream()
                        .filter(f -> f.isVideo() && ((VideoFrame) f).keyframe())
                        .map(Frame::pts)
                        .collect(Collectors.toList());
        assertThat(keyPts).as("clip A's keyframes in the input").hasSizeGreaterThan(1);
        List<Long> expected = new ArrayList<>();
        for (int k = 0; k < keyPts.size(); k++) {
            long from = keyPts.get(k);
            long to = k + 1 < keyPts.size() ? keyPts.get(k + 1) : Long.MAX_VALUE;
            video.stream()
                    .filter(o -> o.pts >= from && o.pts < to)
                    .findFirst()
                    .ifPresent(o -> expected.add(o.pts));
        }
        List<Long> marked =
                video.stream().filter(o -> o.keyframe).map(o -> o.pts).collect(Collectors.toList());
        assertThat(marked)
                .as("output keyframe marks (input keyframes at %s)", keyPts)
                .isEqualTo(expected);
    }

    static void assertOrdered(List<Out> out) {
        long last = Long.MIN_VALUE;
        for (Out o : out) {
            if (o.video) {
                assertThat(o.pts).as("video pts order").isGreaterThan(last);
                last = o.pts;
            }
        }
    }

    static List<JsonNode> events(String name) throws Exception {
        List<TrickleMessage> messages = Collect.get(name + "-events");
        List<JsonNode> out = new ArrayList<>();
        for (TrickleMessage m : messages) {
            out.add(JSON.readTree(m.json));
        }
        return out;
    }

    static List<String> types(List<JsonNode> events) {
        return events.stream()
                .map(e -> e.get("event").get("type").asText())
                .collect(Collectors.toList());
    }

    static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream()
                .map(e -> e.get("event"))
                .filter(e -> type.equals(e.get("type").asText()))
                .collect(Collectors.toList());
    }

    /** The last heartbeat that saw frames (the first one is sent at start). */
    private static JsonNode lastHeartbeat(List<JsonNode> events) {
        List<JsonNode> beats = ofType(events, "heartbeat");
        assertThat(beats.size()).as("heartbeats every second").isGreaterThan(2);
        return beats.get(beats.size() - 2);
    }
}
