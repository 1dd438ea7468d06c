package io.flinktrickle.controlapi.testutils;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import java.util.Map;

/**
 * Passes frames through; its first params update takes {@link #STALL_MILLIS} (a reader that stalls,
 * as while a model loads), the others none.
 */
public class StallingParamsProcessor implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    public static final long STALL_MILLIS = 6000;

    private boolean stalled;

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        return frame;
    }

    @Override
    public void updateParams(Map<String, Object> update, ProcessorContext context) {
        if (!stalled) {
            stalled = true;
            try {
                Thread.sleep(STALL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
