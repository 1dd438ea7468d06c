package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A passthrough whose {@code open} takes as long as loading a model does: {@value #PROPERTY}
 * milliseconds (a JVM system property; default 5000). For measuring what a model's load costs a
 * runner: in runner mode it is paid once per slot, before {@code /health} leaves LOADING, and never
 * by a stream's start.
 */
@PublicEvolving
public class SimulatedModelLoad implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    /** Reads no pixels: frames stay in the decoder's YUV, never converted. */
    @Override
    public PixelFormat pixelFormat() {
        return PixelFormat.NONE;
    }

    /** The load time in milliseconds. */
    public static final String PROPERTY = "flinktrickle.simulated-load-ms";

    static final long DEFAULT_MILLIS = 5_000;

    @Override
    public void open(SlotContext slot) throws InterruptedException {
        Thread.sleep(Long.getLong(PROPERTY, DEFAULT_MILLIS));
    }

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        return frame;
    }
}
