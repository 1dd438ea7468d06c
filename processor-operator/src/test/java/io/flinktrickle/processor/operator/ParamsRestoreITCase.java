package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.processor.testutils.Collect;
import io.flinktrickle.processor.testutils.OperatorJob;
import io.flinktrickle.processor.testutils.OperatorJob.Out;
import io.flinktrickle.processor.testutils.TestProcessors;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure after a checkpoint: the job restarts from it, the control message that set the params
 * is not replayed (the source is past it), and the stream still runs with those params, restored
 * from keyed state.
 */
class ParamsRestoreITCase {
    private static final AtomicBoolean FAILED = new AtomicBoolean();

    @RegisterExtension static final MiniClusterExtension CLUSTER = TestClusters.miniCluster(2);

    @Test
    void restoreKeepsTheLatestParams() throws Exception {
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        config.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = OperatorJob.env(config);
        env.enableCheckpointing(200);
        SingleOutputStreamOperator<Frame> out =
                OperatorJob.build(
                        env,
                        "restore",
                        "r",
                        210,
                        FrameProcessing.builder(new TestProcessors.Stamping())
                                .maxFramerate(0)
                                .initialParams("r", Map.of("stamp", 3))
                                .build(),
                        Map.of(5, "{\"stamp\":7}"));
        out.map(new FailOnceAfterACheckpoint()).sinkTo(Collect.into("restore-attempts"));
        env.execute("restore");

        List<int[]> attempts = Collect.get("restore-attempts");
        List<int[]> afterRestart =
                attempts.stream().filter(a -> a[0] > 0 && a[1] >= 0).collect(Collectors.toList());
        System.out.printf(
                "restore: %d records, %d video after the restart, starts %s%n",
                attempts.size(), afterRestart.size(), TestProcessors.STARTS.get("r"));
        assertThat(FAILED).isTrue();
        assertThat(afterRestart).as("frames after the restart").hasSizeGreaterThan(30);
        assertThat(afterRestart).allSatisfy(a -> assertThat(a[1]).isEqualTo(7));
        List<Map<String, Object>> starts = TestProcessors.STARTS.get("r");
        assertThat(starts).hasSize(2);
        assertThat(starts.get(0)).containsEntry("stamp", 3);
        assertThat(starts.get(1)).as("params at the restart").containsEntry("stamp", 7);
    }

    /**
     * Fails once, on the first frame after a completed checkpoint whose snapshot was taken after a
     * frame with stamp 7 (so the checkpoint holds the new params).
     */
    private static final class FailOnceAfterACheckpoint extends RichMapFunction<Frame, int[]>
            implements CheckpointListener, CheckpointedFunction {
        private static final long serialVersionUID = 1L;
        private boolean seenNewParams;
        private boolean checkpointedAfterThem;
        private final java.util.Map<Long, Boolean> snapshots = new java.util.HashMap<>();

        @Override
        public int[] map(Frame frame) {
            if (!frame.isVideo()) {
                return new int[] {attempt(), -1};
            }
            Out o = Out.of(frame);
            seenNewParams |= o.stamp == 7;
            if (checkpointedAfterThem && !FAILED.getAndSet(true)) {
                throw new IllegalStateException("injected failure after a checkpoint");
            }
            return new int[] {attempt(), o.stamp};
        }

        private int attempt() {
            return getRuntimeContext().getTaskInfo().getAttemptNumber();
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            snapshots.put(context.getCheckpointId(), seenNewParams);
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointedAfterThem |= snapshots.getOrDefault(checkpointId, false);
        }
    }
}
