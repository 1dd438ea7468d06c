package io.flinktrickle.processor.api;

import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.annotation.PublicEvolving;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link FrameProcessor} that processes the video frames of several streams in one call: one
 * model call for a batch, which a GPU model runs far cheaper per frame than one frame at a time.
 * The operator forms batches from the queued frames of all the streams on the slot, up to {@code
 * maxBatchSize} frames, waiting at most {@code maxBatchDelay} for more after the first (see {@code
 * FrameProcessing.Builder}).
 *
 * <p><b>What a batch holds.</b> {@code frames.get(i)} belongs to the stream of {@code
 * contexts.get(i)}; a stream may have several frames in a batch, in their order. Each context shows
 * its stream's params as they apply to that frame: a params update is called ({@link
 * #updateParams}) only when the stream's earlier frames are done, so a batch never straddles one.
 * Audio, params updates and a stream's start and stop are never batched and never held back for a
 * batch to fill.
 *
 * <p><b>Results.</b> One result per frame, in the batch's order: the frame to send, or {@code null}
 * to withhold it. Throwing fails the whole batch: every frame passes through unchanged and is
 * reported for its own stream. To fail only some frames, throw (or complete the stage with) a
 * {@link BatchFrameException} naming them, with the results of the others: each failed frame passes
 * through and is reported for its stream only.
 *
 * <p><b>Threads.</b> {@link #processBatch} and {@link #processBatchAsync} are called on the slot's
 * processor thread, like every other method; the stage returned by {@link #processBatchAsync} may
 * complete on any thread, and the slot then keeps more than one batch in flight.
 */
@PublicEvolving
public interface BatchFrameProcessor extends FrameProcessor {

    /**
     * Processes a batch: {@code frames.get(i)} of the stream of {@code contexts.get(i)}. Returns as
     * many results as frames (null withholds a frame).
     *
     * @throws BatchFrameException some frames failed (the others' results are in it)
     * @throws Exception the whole batch failed
     */
    List<VideoFrame> processBatch(List<VideoFrame> frames, List<ProcessorContext> contexts)
            throws Exception;

    /**
     * The operator's entry point for batches. Synchronous processors keep the default, which calls
     * {@link #processBatch}; a processor whose results complete later (a model server, a GPU
     * stream's callback) overrides it.
     */
    default CompletionStage<List<VideoFrame>> processBatchAsync(
            List<VideoFrame> frames, List<ProcessorContext> contexts) {
        try {
            return CompletableFuture.completedFuture(processBatch(frames, contexts));
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    /** One frame on its own (e.g. a test's harness call): a batch of one. */
    @Override
    default VideoFrame processVideo(VideoFrame frame, ProcessorContext context) throws Exception {
        List<VideoFrame> out =
                processBatchAsync(List.of(frame), List.of(context)).toCompletableFuture().get();
        if (out == null || out.size() != 1) {
            throw new IllegalStateException(
                    "a batch of one frame must give one result, not "
                            + (out == null ? "null" : out.size()));
        }
        return out.get(0);
    }
}
