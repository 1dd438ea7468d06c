package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Map;

/**
 * An RGB filter: blends each frame with its negative, {@code out = x·(1 − amount) + (255 −
 * x)·amount} per byte, rounded (half to even, as a tensor op would), through a 256-entry table
 * computed once per {@code amount}. Params: {@code amount} in [0, 1] (default 1: full inversion),
 * changeable live. The processor of the RGB benchmarks: its own work is a table lookup per byte, so
 * what it costs beyond passthrough is the RGB conversions (for a DJL tensor filter see {@link
 * BlurModel}).
 */
@PublicEvolving
public class InvertColors implements FrameProcessor {
    private static final long serialVersionUID = 1L;
    private static final String AMOUNT = "amount";

    /** The table of the last amount (one processor serves its slot's streams, on one thread). */
    private transient float tableAmount = Float.NaN;

    private transient byte[] table;

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        float amount = amount(context.params());
        if (amount == 0f) {
            return frame;
        }
        byte[] lut = table(amount);
        byte[] in = frame.rgb();
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = lut[in[i] & 0xff];
        }
        return frame.withPixels(frame.width(), frame.height(), out);
    }

    private byte[] table(float amount) {
        if (table == null || Float.compare(amount, tableAmount) != 0) {
            byte[] t = new byte[256];
            for (int x = 0; x < 256; x++) {
                double v = x * (1.0 - amount) + (255 - x) * (double) amount;
                t[x] = (byte) Math.max(0, Math.min(255, Math.rint(v)));
            }
            table = t;
            tableAmount = amount;
        }
        return table;
    }

    @Override
    public void updateParams(Map<String, Object> update, ProcessorContext context) {
        amount(context.params()); // rejects a bad value: the previous params stay
    }

    private static float amount(Map<String, Object> params) {
        Object v = params.getOrDefault(AMOUNT, 1.0);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("amount must be a number but is " + v);
        }
        float a = ((Number) v).floatValue();
        if (a < 0 || a > 1) {
            throw new IllegalArgumentException("amount must be in [0, 1] but is " + a);
        }
        return a;
    }
}
