package io.flinktrickle.controlapi.testutils;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import java.util.Map;

/** Passes frames through; each params update takes {@link #UPDATE_MILLIS} (a slow reader). */
public class SlowParamsProcessor implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    public static final long UPDATE_MILLIS = 100;

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        return frame;
    }

    @Override
    public void updateParams(Map<String, Object> update, ProcessorContext context) {
        try {
            Thread.sleep(UPDATE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
