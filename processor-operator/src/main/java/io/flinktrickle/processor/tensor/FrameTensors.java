package io.flinktrickle.processor.tensor;

import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.annotation.PublicEvolving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;

/**
 * Video frames as DJL tensors and back, with PyTrickle's layout: RGB, height × width × channels,
 * float32 in [0, 1]. Tensors live on the device of the {@link NDManager} they are created with (the
 * processor's slot device); close the manager (or the tensors) when done.
 *
 * <p>Back to a frame ({@link #toFrame}), as PyTrickle's {@code to_av_frame}: shape {@code [1, H, W,
 * C]} or {@code [H, W, C]} with C = 1 (grey, expanded to RGB), 3 or 4 (alpha dropped); float values
 * are scaled by 255 when their maximum is at most 1, then clamped to 0–255 and rounded; uint8
 * values are taken as they are.
 */
@PublicEvolving
public final class FrameTensors {

    private FrameTensors() {}

    /** {@code [1, H, W, 3]} float32 in [0, 1]: PyTrickle's {@code VideoFrame.tensor}. */
    public static NDArray toTensor(VideoFrame frame, NDManager manager) {
        try (NDArray hwc = toHwcTensor(frame, manager)) {
            return hwc.expandDims(0);
        }
    }

    /** {@code [H, W, 3]} float32 in [0, 1]. */
    public static NDArray toHwcTensor(VideoFrame frame, NDManager manager) {
        try (NDArray bytes = toUint8(frame, manager)) {
            return bytes.toType(DataType.FLOAT32, false).divi(255f);
        }
    }

    /** {@code [H, W, 3]} uint8, the frame's bytes as they are (no float conversion). */
    public static NDArray toUint8(VideoFrame frame, NDManager manager) {
        // create(byte[]) would give signed INT8; the pixels are unsigned.
        return manager.create(
                ByteBuffer.wrap(frame.rgb()),
                new Shape(frame.height(), frame.width(), 3),
                DataType.UINT8);
    }

    /** A frame with {@code like}'s stream and timing and the tensor's pixels (and size). */
    public static VideoFrame toFrame(VideoFrame like, NDArray tensor) {
        Shape shape = tensor.getShape();
        NDArray hwc = tensor;
        boolean squeezed = false;
        if (shape.dimension() == 4) {
            if (shape.get(0) != 1) {
                throw new IllegalArgumentException(
                        "a batched tensor must hold one frame, but has shape " + shape);
            }
            hwc = tensor.squeeze(0);
            squeezed = true;
        }
        try {
            Shape s = hwc.getShape();
            if (s.dimension() != 3) {
                throw new IllegalArgumentException(
                        "frame tensors are [1,H,W,C] or [H,W,C], not " + shape);
            }
            int height = (int) s.get(0);
            int width = (int) s.get(1);
            long channels = s.get(2);
            if (channels != 1 && channels != 3 && channels != 4) {
                throw new IllegalArgumentException(
                        "frame tensors have 1, 3 or 4 channels, not " + channels);
            }
            // Temporaries die with the scope; the caller's tensor goes back to its own manager.
            try (NDManager scope = hwc.getManager().newSubManager()) {
                hwc.tempAttach(scope);
                NDArray rgb = channels == 4 ? hwc.get(new NDIndex(":, :, 0:3")) : hwc;
                if (channels == 1) {
                    rgb = rgb.repeat(2, 3);
                }
                NDArray u8;
                if (rgb.getDataType() == DataType.UINT8) {
                    u8 = rgb;
                } else {
                    NDArray f = rgb.toType(DataType.FLOAT32, false);
                    if (f.max().getFloat() <= 1f) {
                        f = f.mul(255f);
                    }
                    u8 = f.clip(0f, 255f).round().toType(DataType.UINT8, false);
                }
                return like.withPixels(width, height, u8.toByteArray());
            }
        } finally {
            if (squeezed) {
                hwc.close();
            }
        }
    }
}
