package io.flinktrickle.processor.api;

import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.annotation.PublicEvolving;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Some frames of a batch failed ({@link BatchFrameProcessor}): the results of the batch's frames,
 * and the failures of the frames (by index in the batch) that failed. Each failed frame passes
 * through unchanged and is reported for its own stream; the others' results are sent.
 */
@PublicEvolving
public class BatchFrameException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<VideoFrame> results;
    private final Map<Integer, Throwable> failures;

    /**
     * @param results one per frame of the batch (null withholds a frame; ignored where it failed)
     * @param failures the failed frames' causes by index in the batch, at least one
     */
    public BatchFrameException(List<VideoFrame> results, Map<Integer, Throwable> failures) {
        super(message(results, failures), failures.values().iterator().next());
        this.results = Collections.unmodifiableList(new ArrayList<>(results));
        this.failures = Collections.unmodifiableMap(new TreeMap<>(failures));
    }

    private static String message(List<VideoFrame> results, Map<Integer, Throwable> failures) {
        Objects.requireNonNull(results, "results");
        if (failures == null || failures.isEmpty()) {
            throw new IllegalArgumentException("a batch failure names at least one failed frame");
        }
        for (Map.Entry<Integer, Throwable> f : failures.entrySet()) {
            int i = f.getKey();
            if (i < 0 || i >= results.size()) {
                throw new IllegalArgumentException(
                        "failed frame " + i + " is not in a batch of " + results.size());
            }
            Objects.requireNonNull(f.getValue(), "the cause of failed frame " + i);
        }
        return failures.size() + " of " + results.size() + " frames of the batch failed";
    }

    /** One result per frame of the batch (null: withheld, or failed). */
    public List<VideoFrame> results() {
        return results;
    }

    /** The failed frames' causes, by index in the batch. */
    public Map<Integer, Throwable> failures() {
        return failures;
    }
}
