package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.processor.testutils.BatchProcessors;
import io.flinktrickle.processor.testutils.ClipFrames;
import io.flinktrickle.processor.testutils.Collect;
import io.flinktrickle.processor.testutils.MixedStreams;
import io.flinktrickle.processor.testutils.MixedStreams.Plan;
import io.flinktrickle.processor.testutils.OperatorJob;
import io.flinktrickle.processor.testutils.OperatorJob.Out;
import io.flinktrickle.processor.testutils.TestProcessors;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.flinktrickle.processor.operator.FrameProcessorOperatorITCase.events;
import static io.flinktrickle.processor.operator.FrameProcessorOperatorITCase.ofType;
import static io.flinktrickle.processor.testutils.BatchProcessors.ptsOf;
import static io.flinktrickle.processor.testutils.BatchProcessors.streamOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cross-stream batching in a MiniCluster on real decoded clip A frames of several live streams on
 * one slot, at real-time pace: per-stream order and params boundaries inside batches, async batches
 * completing out of order, one failing frame and a failing batch, {@code maxBatchDelay} bounding a
 * lone stream's latency, streams joining and leaving mid-batch, and closing with a batch in flight.
 */
class BatchingITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final MiniClusterExtension CLUSTER = TestClusters.miniCluster(1);

    @Test
    void perStreamOrderAndParamsBoundariesHoldInsideBatches() throws Exception {
        int frames = 150;
        List<Plan> plans = new ArrayList<>();
        FrameProcessing.Builder processing =
                FrameProcessing.builder(new BatchProcessors.Stamping("order", 5, 1))
                        .maxFramerate(0)
                        .policy(RealTimePolicy.BLOCK) // every frame is checked
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(30))
                        .heartbeatInterval(Duration.ofMillis(500));
        for (int i = 0; i < 4; i++) {
            String key = "order-" + i;
            processing.initialParams(key, Map.of("stamp", 1 + i));
            plans.add(
                    new Plan(
                            key,
                            0,
                            frames,
                            Map.of(
                                    30 + 10 * i, "{\"stamp\":" + (100 + i) + "}",
                                    90 + 5 * i, "{\"stamp\":" + (200 + i) + "}"),
                            false));
        }
        run("order", plans, processing.build());

        List<Long> inputPts = videoPts(frames);
        for (int i = 0; i < 4; i++) {
            String key = "order-" + i;
            List<Long> boundaries = TestProcessors.UPDATE_BOUNDARIES.get(key);
            assertThat(boundaries).as(key).hasSize(2);
            assertThat(boundaries.get(0)).isEqualTo(inputPts.get(29 + 10 * i));
            assertThat(boundaries.get(1)).isEqualTo(inputPts.get(89 + 5 * i));
            List<Out> video = video("order", key);
            assertThat(video).as(key + ": every frame out (BLOCK)").hasSize(frames);
            for (Out o : video) {
                int expected =
                        o.pts <= boundaries.get(0)
                                ? 1 + i
                                : o.pts <= boundaries.get(1) ? 100 + i : 200 + i;
                assertThat(o.stamp).as("%s frame %s", key, o).isEqualTo(expected);
            }
        }
        assertOrderedPerStream("order");
        assertThat(audio("order")).as("no audio is lost").isEqualTo(4 * audioIn(frames));

        List<List<String>> batches = BatchProcessors.batches("order");
        assertThat(batches).allSatisfy(b -> assertThat(b.size()).isBetween(1, 4));
        long mixed = batches.stream().filter(b -> streams(b).size() > 1).count();
        assertThat(mixed).as("batches mix streams").isGreaterThan(batches.size() / 4);
        for (List<String> batch : batches) {
            Map<String, Long> last = new HashMap<>();
            for (String m : batch) {
                Long before = last.put(streamOf(m), ptsOf(m));
                assertThat(before == null || before < ptsOf(m))
                        .as("a stream's frames in batch %s in order", batch)
                        .isTrue();
            }
            for (int i = 0; i < 4; i++) {
                String key = "order-" + i;
                for (long boundary : TestProcessors.UPDATE_BOUNDARIES.get(key)) {
                    assertThat(
                                    batch.stream()
                                            .filter(m -> streamOf(m).equals(key))
                                            .map(m -> ptsOf(m) <= boundary)
                                            .distinct()
                                            .count())
                            .as("batch %s does not straddle %s's update", batch, key)
                            .isLessThanOrEqualTo(1);
                }
            }
        }
        JsonNode heartbeat = lastWith(events("order"), "heartbeat", "batch");
        JsonNode batch = heartbeat.get("batch");
        assertThat(batch.get("batches").asLong()).isGreaterThan(0);
        assertThat(batch.get("size_mean").asDouble()).isGreaterThan(1.0);
        assertThat(batch.get("size_counts").size()).isGreaterThan(1);
        assertThat(batch.has("wait_ms_p95")).isTrue();
    }

    @Test
    void aFailingFrameInABatchPassesThroughAndIsReportedForItsStreamOnly() throws Exception {
        int frames = 90;
        FrameProcessing.Builder processing =
                FrameProcessing.builder(new BatchProcessors.Stamping("onefails", 5, 1))
                        .maxFramerate(0)
                        .policy(RealTimePolicy.BLOCK)
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(40))
                        .maxConsecutiveFailures(1000);
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String key = "onefails-" + i;
            processing.initialParams(
                    key, i == 0 ? Map.of("stamp", 7, "fail_every", 10) : Map.of("stamp", 7));
            plans.add(new Plan(key, 0, frames, Map.of(), false));
        }
        run("onefails", plans, processing.build());

        Set<String> failed = new HashSet<>(BatchProcessors.FAILED.get("onefails"));
        assertThat(failed).isNotEmpty().allSatisfy(m -> assertThat(m).startsWith("onefails-0@"));
        Map<Long, Integer> original = firstBytes(frames);
        for (int i = 0; i < 3; i++) {
            String key = "onefails-" + i;
            List<Out> video = video("onefails", key);
            assertThat(video).as(key).hasSize(frames);
            for (Out o : video) {
                boolean fails = failed.contains(key + "@" + o.pts);
                assertThat(o.stamp)
                        .as("%s %s", key, fails ? "passes through" : "is processed")
                        .isEqualTo(fails ? original.get(o.pts) : 7);
            }
        }
        assertThat(
                        BatchProcessors.batches("onefails").stream()
                                .filter(b -> b.stream().anyMatch(failed::contains))
                                .filter(b -> streams(b).size() > 1)
                                .count())
                .as("failing frames shared batches with other streams' frames")
                .isGreaterThan(0);
        List<JsonNode> errors = errorsByStream("onefails").getOrDefault("onefails-0", List.of());
        assertThat(errors).isNotEmpty();
        assertThat(errors.get(0).get("message").asText())
                .startsWith("processBatch failed")
                .contains("boom at onefails-0@");
        assertThat(errorsByStream("onefails").keySet()).containsExactly("onefails-0");
    }

    @Test
    void aBatchThatFailsWholePassesEachFrameThroughForItsOwnStream() throws Exception {
        int frames = 90;
        long failAt = videoPts(frames).get(45);
        FrameProcessing.Builder processing =
                FrameProcessing.builder(new BatchProcessors.Stamping("wholefails", 5, 1))
                        .maxFramerate(0)
                        .policy(RealTimePolicy.BLOCK)
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(40));
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String key = "wholefails-" + i;
            processing.initialParams(
                    key, i == 0 ? Map.of("stamp", 7, "fail_batch_at", failAt) : Map.of("stamp", 7));
            plans.add(new Plan(key, 0, frames, Map.of(), false));
        }
        run("wholefails", plans, processing.build());

        List<String> failed = BatchProcessors.FAILED.get("wholefails");
        assertThat(failed).contains("wholefails-0@" + failAt);
        Map<Long, Integer> original = firstBytes(frames);
        for (int i = 0; i < 3; i++) {
            String key = "wholefails-" + i;
            List<Out> video = video("wholefails", key);
            assertThat(video).as(key).hasSize(frames);
            for (Out o : video) {
                boolean fails = failed.contains(key + "@" + o.pts);
                assertThat(o.stamp).isEqualTo(fails ? original.get(o.pts) : 7);
            }
        }
        Set<String> hit =
                failed.stream().map(BatchProcessors::streamOf).collect(Collectors.toSet());
        Map<String, List<JsonNode>> errors = errorsByStream("wholefails");
        assertThat(errors.keySet()).as("each stream of the batch hears of it").isEqualTo(hit);
        for (List<JsonNode> e : errors.values()) {
            assertThat(e).hasSize(1);
            assertThat(e.get(0).get("message").asText()).contains("the batch with");
        }
    }

    @Test
    void maxBatchDelayBoundsALoneStreamsLatency() throws Exception {
        int frames = 90;
        long delayMillis = 60;
        FrameProcessing processing =
                FrameProcessing.builder(new BatchProcessors.Stamping("lone", 2, 0))
                        .maxFramerate(0)
                        .maxBatchSize(8)
                        .maxBatchDelay(Duration.ofMillis(delayMillis))
                        .heartbeatInterval(Duration.ofMillis(500))
                        .build();
        run("lone", List.of(new Plan("lone-0", 0, frames, Map.of(), false)), processing);

        List<Out> video = video("lone", "lone-0");
        assertThat(video).hasSize(frames);
        long[] latencies = video.stream().mapToLong(o -> o.latencyMillis).sorted().toArray();
        long p50 = latencies[latencies.length / 2];
        long max = latencies[latencies.length - 1];
        System.out.printf(
                "lone stream, maxBatchSize 8, maxBatchDelay %d ms: latency p50 %d ms, max %d ms%n",
                delayMillis, p50, max);
        // A batch of 8 never fills at 30 fps: the first frame waits the delay, no longer.
        assertThat(max).as("latency bounded by the delay").isLessThan(delayMillis + 200);
        List<List<String>> batches = BatchProcessors.batches("lone");
        assertThat(batches).allSatisfy(b -> assertThat(b.size()).isLessThan(8));
        assertThat(batches.stream().filter(b -> b.size() > 1).count())
                .as("frames arriving within the delay join the batch")
                .isGreaterThan(batches.size() / 2);
        JsonNode batch = lastWith(events("lone"), "heartbeat", "batch").get("batch");
        assertThat(batch.get("wait_ms_p95").asDouble())
                .as("the batch's first frame waited the delay")
                .isBetween(delayMillis - 10.0, delayMillis + 100.0);
    }

    @Test
    void streamsJoiningAndLeavingMidBatchKeepTheirFramesAndOrder() throws Exception {
        List<Plan> plans =
                List.of(
                        new Plan("churn-0", 0, 150, Map.of(), false),
                        new Plan("churn-1", 20, 50, Map.of(), true),
                        new Plan("churn-2", 40, 80, Map.of(), true),
                        new Plan("churn-3", 100, 50, Map.of(), true));
        FrameProcessing.Builder processing =
                FrameProcessing.builder(new BatchProcessors.Stamping("churn", 8, 1))
                        .maxFramerate(0)
                        .policy(RealTimePolicy.BLOCK)
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(30));
        for (Plan p : plans) {
            processing.initialParams(p.key(), Map.of("stamp", 9));
        }
        run("churn", plans, processing.build());

        List<Long> inputPts = videoPts(150);
        List<String> stops = BatchProcessors.STOPS.get("churn");
        for (Plan p : plans) {
            String key = p.key();
            int n = p.videoFrames();
            List<Out> video = video("churn", key);
            assertThat(video).as(key).hasSize(n);
            assertThat(video).allSatisfy(o -> assertThat(o.stamp).isEqualTo(9));
            assertThat(stops)
                    .as("%s stops after its last frame", key)
                    .contains(key + "@" + inputPts.get(n - 1));
        }
        assertOrderedPerStream("churn");
        List<List<String>> batches = BatchProcessors.batches("churn");
        assertThat(batches.stream().map(BatchingITCase::streams))
                .as("streams that joined share batches with those already there")
                .anySatisfy(b -> assertThat(b).contains("churn-0", "churn-1"))
                .anySatisfy(b -> assertThat(b).contains("churn-2", "churn-3"));
        for (String left : List.of("churn-1", "churn-2", "churn-3")) {
            assertThat(eventTypes("churn", left)).as(left).endsWith("stream_stopped");
        }
    }

    @Test
    void asyncBatchesCompletingOutOfOrderLeaveEachStreamInOrder() throws Exception {
        int frames = 90;
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            plans.add(new Plan("async-" + i, 0, frames, Map.of(), false));
        }
        run(
                "async",
                plans,
                FrameProcessing.builder(new BatchProcessors.AsyncShuffling("async", 80))
                        .maxFramerate(0)
                        .policy(RealTimePolicy.BLOCK)
                        .maxBatchSize(2)
                        .maxBatchDelay(Duration.ofMillis(5))
                        .build());
        for (Plan p : plans) {
            assertThat(video("async", p.key())).as(p.key()).hasSize(frames);
        }
        assertOrderedPerStream("async");
        assertThat(BatchProcessors.MAX_IN_FLIGHT.get("async").get())
                .as("an async processor has several batches in flight (16 / 2)")
                .isGreaterThan(1);
    }

    @Test
    void cancellingWithABatchInFlightLeavesNoProcessorThread() throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        DataStream<Frame> frames =
                env.fromSource(
                        MixedStreams.source(
                                List.of(new Plan("closing-0", 0, 300, Map.of(), false))),
                        WatermarkStrategy.noWatermarks(),
                        "closing-frames");
        FrameProcessing.builder(new BatchProcessors.Stamping("closing", 400, 0))
                .maxFramerate(0)
                .build()
                .apply(
                        DataStreamUtils.reinterpretAsKeyedStream(
                                frames, Frame::streamKey, Types.STRING))
                .sinkTo(Collect.into("closing-frames"));
        JobClient job = env.executeAsync("closing");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (BatchProcessors.batches("closing").size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(BatchProcessors.batches("closing")).as("batches ran").hasSizeGreaterThan(1);
        job.cancel().get(30, TimeUnit.SECONDS);
        while (job.getJobStatus().get() != JobStatus.CANCELED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.CANCELED);
        List<String> left = processorThreads("closing-frames");
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = processorThreads("closing-frames");
        }
        assertThat(left).as("processor threads after the cancel").isEmpty();
    }

    // ---- helpers ----

    private static void run(String name, List<Plan> plans, FrameProcessing processing)
            throws Exception {
        StreamExecutionEnvironment env = OperatorJob.env(new Configuration());
        DataStream<Frame> frames =
                env.fromSource(MixedStreams.source(plans), WatermarkStrategy.noWatermarks(), name);
        SingleOutputStreamOperator<Frame> out =
                processing.apply(
                        DataStreamUtils.reinterpretAsKeyedStream(
                                frames, Frame::streamKey, Types.STRING));
        out.map(Out::of).returns(Out.class).sinkTo(Collect.into(name + "-frames"));
        out.getSideOutput(FrameProcessing.EVENTS).sinkTo(Collect.into(name + "-events"));
        env.execute(name);
    }

    private static List<Out> video(String name, String key) {
        return FrameProcessorOperatorITCase.video(name).stream()
                .filter(o -> o.stream.equals(key))
                .collect(Collectors.toList());
    }

    /** Each stream's video leaves in pts order. */
    private static void assertOrderedPerStream(String name) {
        Map<String, Long> last = new HashMap<>();
        for (Out o : FrameProcessorOperatorITCase.video(name)) {
            Long before = last.put(o.stream, o.pts);
            assertThat(before == null || before < o.pts).as("%s after pts %s", o, before).isTrue();
        }
    }

    private static long audio(String name) {
        List<Out> all = Collect.get(name + "-frames");
        return all.stream().filter(o -> !o.video).count();
    }

    private static long audioIn(int videoFrames) {
        return ClipFrames.firstVideoFrames(videoFrames).stream().filter(f -> !f.isVideo()).count();
    }

    private static List<Long> videoPts(int videoFrames) {
        return ClipFrames.firstVideoFrames(videoFrames).stream()
                .filter(Frame::isVideo)
                .map(Frame::pts)
                .collect(Collectors.toList());
    }

    /** The first byte of each input video frame, by pts: what a frame passed through carries. */
    private static Map<Long, Integer> firstBytes(int videoFrames) {
        Map<Long, Integer> bytes = new HashMap<>();
        for (Frame f : ClipFrames.firstVideoFrames(videoFrames)) {
            if (f.isVideo()) {
                bytes.put(f.pts(), TestProcessors.stampOf((VideoFrame) f));
            }
        }
        return bytes;
    }

    private static Set<String> streams(List<String> batch) {
        return batch.stream().map(BatchProcessors::streamOf).collect(Collectors.toSet());
    }

    /** The types of the events of stream {@code key}, in order. */
    private static List<String> eventTypes(String name, String key) throws Exception {
        List<String> types = new ArrayList<>();
        for (TrickleMessage m : Collect.<TrickleMessage>get(name + "-events")) {
            if (key.equals(m.channel)) {
                types.add(JSON.readTree(m.json).get("event").get("type").asText());
            }
        }
        return types;
    }

    private static Map<String, List<JsonNode>> errorsByStream(String name) throws Exception {
        List<TrickleMessage> messages = Collect.get(name + "-events");
        Map<String, List<JsonNode>> out = new HashMap<>();
        for (TrickleMessage m : messages) {
            JsonNode event = JSON.readTree(m.json).get("event");
            if ("error".equals(event.get("type").asText())) {
                out.computeIfAbsent(m.channel, k -> new ArrayList<>()).add(event);
            }
        }
        return out;
    }

    /** The last event of {@code type} that has {@code field}. */
    private static JsonNode lastWith(List<JsonNode> events, String type, String field) {
        List<JsonNode> matching =
                ofType(events, type).stream()
                        .filter(e -> e.has(field))
                        .collect(Collectors.toList());
        assertThat(matching).as("%s events with %s", type, field).isNotEmpty();
        return matching.get(matching.size() - 1);
    }

    private static List<String> processorThreads(String taskName) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("frame-processor-") && n.contains(taskName))
                .collect(Collectors.toList());
    }
}
