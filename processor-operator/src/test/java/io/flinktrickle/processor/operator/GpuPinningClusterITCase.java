package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.testutils.RealFlinkCluster;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPU pinning on a real multi-process cluster: one TaskManager with Flink's GPU external resource
 * driver, a discovery script that reports GPUs 0 and 1, and 2 slots. Every subtask sees both GPUs;
 * the operator picks one by subtask index, so the two subtasks report different devices (the {@code
 * device} metric, read through the REST API).
 */
class GpuPinningClusterITCase {

    @Test
    void eachSubtaskOfATaskManagerPinsADifferentGpu(@TempDir Path home) throws Exception {
        Path driver =
                Path.of("target/flink-plugins/external-resource-gpu")
                        .resolve("flink-external-resource-gpu-2.3.0.jar")
                        .toAbsolutePath();
        try (RealFlinkCluster cluster =
                new RealFlinkCluster(home, 2, Map.of(), Map.of("external-resource-gpu", driver))) {
            cluster.fakeGpus("0,1", 2);
            cluster.start(1, 2);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            FrameProcessing.builder(new Passthrough())
                    .maxFramerate(0)
                    .build()
                    .apply(
                            env.fromSource(
                                            new DataGeneratorSource<>(
                                                    new TwoStreams(),
                                                    Long.MAX_VALUE,
                                                    RateLimiterStrategy.perSecond(20),
                                                    FrameTypeInfo.INSTANCE),
                                            WatermarkStrategy.noWatermarks(),
                                            "frames")
                                    .keyBy(Frame::streamKey))
                    .sinkTo(new Discard());
            JobID job = cluster.submit(env.getStreamGraph().getJobGraph());
            try {
                Set<String> devices = awaitDevices(cluster, job);
                assertThat(devices).containsExactlyInAnyOrder("gpu:0", "gpu:1");
            } finally {
                cluster.cancel(job);
            }
            assertThat(cluster.log("taskmanager-0")).contains("GPU");
        }
    }

    /** The {@code device} gauge of each subtask of the operator's vertex. */
    private static Set<String> awaitDevices(RealFlinkCluster cluster, JobID job) throws Exception {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            Set<String> devices = new HashSet<>();
            JsonNode vertices = cluster.rest("/jobs/" + job).path("vertices");
            for (JsonNode v : vertices) {
                if (!v.path("name").asText().contains("frame-processor")) {
                    continue;
                }
                for (int i = 0; i < 2; i++) {
                    String base = "/jobs/" + job + "/vertices/" + v.path("id").asText();
                    for (JsonNode m : cluster.rest(base + "/subtasks/" + i + "/metrics")) {
                        String id = m.path("id").asText();
                        if (id.endsWith(".device")) {
                            for (JsonNode value :
                                    cluster.rest(base + "/subtasks/" + i + "/metrics?get=" + id)) {
                                devices.add(value.path("value").asText());
                            }
                        }
                    }
                }
            }
            if (devices.size() == 2) {
                return devices;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                "no device metrics within 90 s; TaskManager log:\n" + cluster.log("taskmanager-0"));
    }

    /** Frames of two streams that parallelism 2 puts on different subtasks. */
    private static final class TwoStreams implements GeneratorFunction<Long, Frame> {
        private static final long serialVersionUID = 1L;
        private transient String[] keys;

        @Override
        public Frame map(Long i) {
            if (keys == null) {
                keys = new String[2];
                for (int n = 0; keys[0] == null || keys[1] == null; n++) {
                    String s = "stream-" + n;
                    keys[KeyGroupSplitAssigner.ownerOf(s, 0, 2)] = s;
                }
            }
            return new VideoFrame(keys[(int) (i % 2)], i * 3000, 0, 4, 4, new byte[48], 0);
        }
    }

    private static final class Passthrough implements FrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return frame;
        }
    }

    private static final class Discard implements Sink<Frame> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Frame> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Frame element, Context ctx) {}

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
