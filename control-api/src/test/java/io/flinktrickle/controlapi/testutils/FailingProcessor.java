package io.flinktrickle.controlapi.testutils;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;

/** A processor whose model cannot load: {@code open} throws, so its job fails (after restarts). */
public class FailingProcessor implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    public static final String MESSAGE = "model weights not found: /models/missing.pt";

    @Override
    public void open(SlotContext slot) {
        throw new IllegalStateException(MESSAGE);
    }

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        return frame;
    }
}
