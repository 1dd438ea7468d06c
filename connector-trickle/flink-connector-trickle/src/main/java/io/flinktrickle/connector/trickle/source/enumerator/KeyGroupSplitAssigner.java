package io.flinktrickle.connector.trickle.source.enumerator;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Assigns a channel to the reader that Flink's {@code keyBy} would send its stream key to, so that
 * {@code DataStreamUtils.reinterpretAsKeyedStream(source, record -> record.channel)} is correct and
 * the source chains with the keyed operator after it (no shuffle).
 *
 * <p>A channel key of the form {@code <stream>#<role>} (e.g. {@code abc#control}) is assigned by
 * its stream part, so that the channels of one stream (its video and its control channel) land on
 * the same reader, the one that owns the stream key.
 *
 * <p>The job's max parallelism must be the one given here: Flink's default for the source's
 * parallelism unless the job sets another.
 */
@Internal
public final class KeyGroupSplitAssigner {

    private KeyGroupSplitAssigner() {}

    /** Separates a stream key from a channel's role in a channel key: {@code abc#control}. */
    public static final char ROLE_SEPARATOR = '#';

    /** The subtask that owns channel {@code key} (by its stream key) at {@code parallelism}. */
    public static int ownerOf(String key, int maxParallelism, int parallelism) {
        int max = maxParallelism > 0 ? maxParallelism : defaultMaxParallelism(parallelism);
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                streamKeyOf(key), max, parallelism);
    }

    /** The stream part of a channel key ({@code abc} for {@code abc#control} and {@code abc}). */
    public static String streamKeyOf(String channelKey) {
        int i = channelKey.indexOf(ROLE_SEPARATOR);
        return i < 0 ? channelKey : channelKey.substring(0, i);
    }

    /** Flink's default max parallelism for an operator of {@code parallelism}. */
    public static int defaultMaxParallelism(int parallelism) {
        return KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
    }
}
