package io.flinktrickle.processor.api;

import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.annotation.PublicEvolving;

import java.util.concurrent.CompletionStage;

/**
 * A {@link FrameProcessor} whose video results complete later, e.g. on a model server's or a GPU
 * stream's callback thread. The operator keeps several frames of a stream in flight (bounded) and
 * still emits them in arrival order. {@link #processVideoAsync} is called on the slot's processor
 * thread; the returned stage may complete on any thread.
 */
@PublicEvolving
public interface AsyncFrameProcessor extends FrameProcessor {

    @Override
    CompletionStage<VideoFrame> processVideoAsync(VideoFrame frame, ProcessorContext context);

    /** Blocks on {@link #processVideoAsync}: for callers outside the operator, e.g. tests. */
    @Override
    default VideoFrame processVideo(VideoFrame frame, ProcessorContext context) throws Exception {
        return processVideoAsync(frame, context).toCompletableFuture().get();
    }
}
