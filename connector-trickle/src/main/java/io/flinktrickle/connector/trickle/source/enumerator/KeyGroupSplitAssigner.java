package io.flinktrickle.connector.trickle.source.enumerator;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Assigns a channel to the reader that Flink's {@code keyBy} would send its stream key to, so that
 * {@code DataStreamUtils.reinterpretAsKeyedStream(source, record -> record.channel)} is correct and
 * the source chains with the keyed operator after it (no shuffle).
 *
 * <p>The job's max parallelism must be the one given here: Flink's default for the source's
 * parallelism unless the job sets another.
 */
@Internal
public final class KeyGroupSplitAssigner {

    private KeyGroupSplitAssigner() {}

    /** The subtask that owns {@code key} at {@code parallelism}. */
    public static int ownerOf(String key, int maxParallelism, int parallelism) {
        int max = maxParallelism > 0 ? maxParallelism : defaultMaxParallelism(parallelism);
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, max, parallelism);
    }

    /** Flink's default max parallelism for an operator of {@code parallelism}. */
    public static int defaultMaxParallelism(int parallelism) {
        return KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
    }
}
