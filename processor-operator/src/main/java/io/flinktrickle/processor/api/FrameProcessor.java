package io.flinktrickle.processor.api;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a user implements to process live video: the Java counterpart of PyTrickle's {@code
 * FrameProcessor}.
 *
 * <p><b>Instances and threads.</b> One instance per parallel subtask (slot) serves every stream
 * routed to that subtask. Every method is called on the slot's single processor thread, never on
 * Flink's task thread and never concurrently, so an implementation needs no locking for its own
 * fields. Per-stream state belongs in {@link ProcessorContext#state}. An {@link
 * AsyncFrameProcessor} may complete its results on threads of its own.
 *
 * <p><b>Lifecycle.</b> {@link #open} once per slot (load models onto {@link SlotContext#device()}),
 * then {@link #warmUp}; for each stream {@link #onStreamStart}, then its frames and params updates
 * in arrival order, then {@link #onStreamStop}; finally {@link #close}.
 *
 * <p><b>Results.</b> {@link #processVideo} returns the frame to send (the same, a new one, or one
 * of another size), or {@code null} to withhold it. An exception passes the input frame through
 * unchanged, is counted and reported as an {@code error} event; a configurable run of consecutive
 * failures marks the stream errored (its frames then pass through unprocessed until a params update
 * succeeds).
 *
 * <p><b>Pixels.</b> {@link #pixelFormat} says in which layout the processor wants its frames
 * (packed RGB24 unless it says otherwise); the decoder converts to that and nothing else. A
 * processor that reads no pixels asks for {@link PixelFormat#NONE} and costs no conversion.
 */
@PublicEvolving
public interface FrameProcessor extends Serializable {

    /**
     * The layout of the frames this processor gets, read once when the job is built: {@link
     * PixelFormat#RGB24} (default, what PyTrickle's tensors hold: {@code FrameTensors} takes it as
     * it is and converts the others), {@link PixelFormat#YUV420P} (the decoder's own: no conversion
     * in or out; {@code FrameTensors.toLumaTensor} and {@code toYuvPlanes} read it as it is),
     * {@link PixelFormat#GRAY8} (the Y plane; frames returned as they came are encoded grey), or
     * {@link PixelFormat#NONE} for a processor that does not read pixels (it gets YUV420P). A
     * processor may return frames of any format; the encoder converts what is not YUV420P.
     */
    default PixelFormat pixelFormat() {
        return PixelFormat.RGB24;
    }

    /** Once per slot before any stream: load models on {@code slot.device()}. */
    default void open(SlotContext slot) throws Exception {}

    /** Once per slot after {@link #open}, e.g. run a dummy frame through the model. */
    default void warmUp(SlotContext slot) throws Exception {}

    /** A stream begins; {@code context.params()} holds its start params. */
    default void onStreamStart(ProcessorContext context) throws Exception {}

    /** Processes one video frame; {@code null} withholds it. */
    VideoFrame processVideo(VideoFrame frame, ProcessorContext context) throws Exception;

    /**
     * The operator's entry point for video. Synchronous processors keep the default, which calls
     * {@link #processVideo}; {@link AsyncFrameProcessor} overrides it.
     */
    default CompletionStage<VideoFrame> processVideoAsync(
            VideoFrame frame, ProcessorContext context) {
        try {
            return CompletableFuture.completedFuture(processVideo(frame, context));
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    /**
     * Processes one audio frame; the default passes it through (and the operator then skips the
     * processor thread for audio altogether). An empty list withholds it.
     */
    default List<AudioFrame> processAudio(AudioFrame frame, ProcessorContext context)
            throws Exception {
        return List.of(frame);
    }

    /**
     * A validated params update for this stream ({@code update} is the message as received; {@code
     * context.params()} already shows the merged result). Throwing rejects it: the previous params
     * stay and an error is reported.
     */
    default void updateParams(Map<String, Object> update, ProcessorContext context)
            throws Exception {}

    /** The stream ended (end of input, idle timeout, or the job stopping). */
    default void onStreamStop(ProcessorContext context) throws Exception {}

    /** Once per slot at the end; release models and native memory. */
    default void close() throws Exception {}
}
