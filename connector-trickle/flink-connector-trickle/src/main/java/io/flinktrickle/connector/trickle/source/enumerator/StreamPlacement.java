package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;

import org.apache.flink.annotation.Internal;

import java.util.Collection;
import java.util.Set;

/**
 * Places an announced stream on the least-loaded subtask (the fewest streams; the lowest index on a
 * tie), so that slots, and the GPUs they hold, fill evenly. Flink's keyed operators own keys by
 * hash, so the stream is read under a key that hashes to the chosen subtask: its id, or its id with
 * the smallest salt that does ({@link StreamAnnouncement#keyFor}). Its records then stay on that
 * subtask and chain into the keyed operator after the source, as for any other key.
 *
 * <p>Stateless.
 */
@Internal
public final class StreamPlacement {

    /** More salts than this means a broken hash, not bad luck (p tries are expected). */
    private static final int MAX_SALT = 1 << 16;

    private StreamPlacement() {}

    /** The subtask with the fewest of {@code streamKeys}, lowest index first. */
    static int leastLoaded(Collection<String> streamKeys, int maxParallelism, int parallelism) {
        int[] load = new int[parallelism];
        for (String key : streamKeys) {
            load[KeyGroupSplitAssigner.ownerOf(key, maxParallelism, parallelism)]++;
        }
        int best = 0;
        for (int i = 1; i < parallelism; i++) {
            if (load[i] < load[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The key stream {@code id} is read under so that subtask {@code target} owns it, avoiding
     * {@code taken} keys.
     */
    static String keyFor(
            String id, int target, Set<String> taken, int maxParallelism, int parallelism) {
        for (int salt = 0; salt < MAX_SALT; salt++) {
            String key = StreamAnnouncement.keyFor(id, salt);
            if (!taken.contains(key)
                    && KeyGroupSplitAssigner.ownerOf(key, maxParallelism, parallelism) == target) {
                return key;
            }
        }
        throw new IllegalStateException(
                "no key of stream " + id + " hashes to subtask " + target + " of " + parallelism);
    }
}
