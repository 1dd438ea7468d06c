package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.annotation.PublicEvolving;

import java.util.List;
import java.util.Map;

/**
 * An audio processor: multiplies the samples by params' {@code gain} (default 1.0, 0–16), clipping
 * to the 16-bit range; video passes through.
 */
@PublicEvolving
public class AudioGain implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    /** Reads no pixels: frames stay in the decoder's YUV, never converted. */
    @Override
    public PixelFormat pixelFormat() {
        return PixelFormat.NONE;
    }

    private static final double MAX_GAIN = 16;

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        return frame;
    }

    @Override
    public List<AudioFrame> processAudio(AudioFrame frame, ProcessorContext context) {
        double gain = gain(context.params());
        if (gain == 1.0) {
            return List.of(frame);
        }
        short[] in = frame.samples();
        short[] out = new short[in.length];
        for (int i = 0; i < in.length; i++) {
            long v = Math.round(in[i] * gain);
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
        }
        return List.of(frame.withSamples(out));
    }

    @Override
    public void updateParams(Map<String, Object> update, ProcessorContext context) {
        gain(context.params());
    }

    private static double gain(Map<String, Object> params) {
        Object v = params.getOrDefault("gain", 1.0);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("gain must be a number but is " + v);
        }
        double g = ((Number) v).doubleValue();
        if (g < 0 || g > MAX_GAIN) {
            throw new IllegalArgumentException("gain must be in [0, 16] but is " + g);
        }
        return g;
    }
}
