package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.annotation.PublicEvolving;

/** Sends every frame as it came: the baseline for latency and cost. */
@PublicEvolving
public class Passthrough implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    /** Reads no pixels: frames stay in the decoder's YUV, never converted. */
    @Override
    public PixelFormat pixelFormat() {
        return PixelFormat.NONE;
    }

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        return frame;
    }
}
