package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.tensor.FrameTensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Map;

/**
 * A tensor filter with DJL NDArray ops on the slot's device: blends each frame with its negative,
 * {@code out = x·(1 − amount) + (1 − x)·amount} on the {@code [H,W,3]} float tensor in [0,1].
 * Params: {@code amount} in [0, 1] (default 1: full inversion), changeable live.
 */
public class InvertColors implements FrameProcessor {
    private static final long serialVersionUID = 1L;
    private static final String AMOUNT = "amount";

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        float amount = amount(context.params());
        try (NDManager m = context.ndManager().newSubManager()) {
            NDArray x = FrameTensors.toHwcTensor(frame, m);
            NDArray out = x.mul(1 - amount).add(x.neg().add(1).mul(amount));
            return FrameTensors.toFrame(frame, out);
        }
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
