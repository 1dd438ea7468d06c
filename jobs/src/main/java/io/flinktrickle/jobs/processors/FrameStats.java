package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.annotation.PublicEvolving;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Analyses instead of altering: sends each frame's mean luma (BT.601) on the data channel every
 * {@code every} frames (params {@code stats_every}, default 10), and a custom {@code
 * brightness_change} event when the mean luma jumps by more than {@code threshold} (default 40)
 * between two frames. Frames pass through unchanged.
 */
@PublicEvolving
public class FrameStats implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    /** The luma is the Y plane: no colour conversion, and the frames pass through in colour. */
    @Override
    public PixelFormat pixelFormat() {
        return PixelFormat.YUV420P;
    }

    /** Per stream: frames seen and the last mean luma. */
    private static final class State {
        long frames;
        double lastLuma = -1;
    }

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        State state = context.state(State::new);
        double luma = meanLuma(frame);
        int every = (int) number(context.params(), "stats_every", 10);
        double threshold = number(context.params(), "threshold", 40);
        if (state.frames++ % Math.max(1, every) == 0) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("pts", frame.pts());
            item.put("mean_luma", Math.round(luma * 10) / 10.0);
            context.sendData(item);
        }
        if (state.lastLuma >= 0 && Math.abs(luma - state.lastLuma) > threshold) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("pts", frame.pts());
            fields.put("from", Math.round(state.lastLuma));
            fields.put("to", Math.round(luma));
            context.sendEvent("brightness_change", fields);
        }
        state.lastLuma = luma;
        return frame;
    }

    @Override
    public void updateParams(Map<String, Object> update, ProcessorContext context) {
        number(context.params(), "stats_every", 10); // a bad value is rejected, not used
        number(context.params(), "threshold", 40);
    }

    private static double number(Map<String, Object> params, String key, double otherwise) {
        Object v = params.getOrDefault(key, otherwise);
        if (!(v instanceof Number) || ((Number) v).doubleValue() <= 0) {
            throw new IllegalArgumentException(key + " must be a positive number but is " + v);
        }
        return ((Number) v).doubleValue();
    }

    /** Mean luma, 0–255 (full range), of a frame in any format. */
    static double meanLuma(VideoFrame frame) {
        if (frame.format() != PixelFormat.RGB24) {
            // The Y plane (limited range 16–235 as H.264 carries it), first in YUV420P and GRAY8.
            byte[] y = frame.pixels();
            int n = frame.width() * frame.height();
            long sum = 0;
            for (int i = 0; i < n; i++) {
                sum += y[i] & 0xff;
            }
            double limited = (double) sum / n;
            return Math.max(0, Math.min(255, (limited - 16) * 255 / 219));
        }
        byte[] rgb = frame.rgb();
        long sum = 0;
        for (int i = 0; i < rgb.length; i += 3) {
            sum += 299 * (rgb[i] & 0xff) + 587 * (rgb[i + 1] & 0xff) + 114 * (rgb[i + 2] & 0xff);
        }
        return sum / 1000.0 / (rgb.length / 3);
    }
}
