package io.flinktrickle.processor.tensor;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The batch conversions behind {@link FrameTensors}: the frames' RGB bytes go into one direct
 * buffer, become one uint8 NDArray, and one float conversion gives the {@code [N, H, W, 3]} batch;
 * {@code [N, 3, H, W]} is a transposed view of it (channels-last memory, no copy). Back, one copy
 * of the whole batch to the host (in NHWC order) is cut into frames. No per-frame NDArray either
 * way. Any thread; the arrays belong to the given manager.
 */
final class FrameBatches {
    private static final int RGB = 3;
    private static final float MAX_BYTE = 255f;
    private static final float HALF = 0.5f;

    private FrameBatches() {}

    /** {@code [N, H, W, 3]} float32 RGB in [0, 1]. */
    static NDArray toTensor(List<VideoFrame> frames, NDManager manager) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one frame");
        }
        int w = frames.get(0).width();
        int h = frames.get(0).height();
        for (VideoFrame f : frames) {
            if (f.width() != w || f.height() != h) {
                throw new IllegalArgumentException(
                        "the frames of a batch have one size, but "
                                + f.width()
                                + "x"
                                + f.height()
                                + " is not "
                                + w
                                + "x"
                                + h);
            }
        }
        int frameBytes = w * h * RGB;
        ByteBuffer buffer =
                ByteBuffer.allocateDirect(frames.size() * frameBytes)
                        .order(ByteOrder.nativeOrder());
        for (VideoFrame f : frames) {
            buffer.put(FrameTensors.rgbBytes(f), 0, frameBytes);
        }
        buffer.flip();
        // create(byte[]) would give signed INT8; the pixels are unsigned.
        try (NDArray bytes =
                manager.create(buffer, new Shape(frames.size(), h, w, RGB), DataType.UINT8)) {
            return bytes.toType(DataType.FLOAT32, false).divi(MAX_BYTE);
        }
    }

    /** {@code [N, 3, H, W]}: the NHWC batch's transposed view (channels-last memory). */
    static NDArray toNchwTensor(List<VideoFrame> frames, NDManager manager) {
        try (NDArray nhwc = toTensor(frames, manager)) {
            return nhwc.transpose(0, 3, 1, 2); // the view keeps the storage
        }
    }

    /** One RGB24 frame per {@code like}, from {@code [N, H, W, C]} or {@code [N, C, H, W]}. */
    static List<VideoFrame> toFrames(List<VideoFrame> like, NDArray batch, boolean nchw) {
        Shape shape = batch.getShape();
        if (shape.dimension() != 4 || shape.get(0) != like.size()) {
            throw new IllegalArgumentException(
                    "a batch of "
                            + like.size()
                            + " frames is a tensor of shape ["
                            + like.size()
                            + (nchw ? ", C, H, W]" : ", H, W, C]")
                            + ", not "
                            + shape);
        }
        if (nchw) {
            try (NDArray nhwc = batch.transpose(0, 2, 3, 1)) {
                return toFrames(like, nhwc);
            }
        }
        return toFrames(like, batch);
    }

    /** From {@code [N, H, W, C]}, shape checked. */
    private static List<VideoFrame> toFrames(List<VideoFrame> like, NDArray batch) {
        Shape shape = batch.getShape();
        int h = (int) shape.get(1);
        int w = (int) shape.get(2);
        int channels = (int) shape.get(3);
        if (channels != 1 && channels != RGB && channels != 4) {
            throw new IllegalArgumentException(
                    "frame tensors have 1, 3 or 4 channels, not " + channels);
        }
        if (batch.getDataType() == DataType.UINT8) {
            return cut(like, batch.toByteArray(), w, h, channels); // one copy to the host
        }
        float[] all;
        if (batch.getDataType() == DataType.FLOAT32) {
            all = batch.toFloatArray(); // one copy of the batch to the host
        } else {
            try (NDArray f = batch.toType(DataType.FLOAT32, false)) {
                all = f.toFloatArray();
            }
        }
        // On the host: PyTorch's round() of a whole batch took longer than this loop.
        int colours = Math.min(channels, RGB); // alpha is never read
        int pixels = w * h;
        int frameSize = pixels * channels;
        byte[] bytes = new byte[like.size() * pixels * colours];
        for (int n = 0, o = 0; n < like.size(); n++) {
            int base = n * frameSize;
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0, i = base; p < pixels; p++, i += channels) {
                for (int c = 0; c < colours; c++) {
                    max = Math.max(max, all[i + c]);
                }
            }
            float scale = max <= 1f ? MAX_BYTE : 1f; // PyTrickle's rule, per frame
            for (int p = 0, i = base; p < pixels; p++, i += channels) {
                for (int c = 0; c < colours; c++) {
                    bytes[o++] = toByte(all[i + c] * scale);
                }
            }
        }
        return cut(like, bytes, w, h, colours);
    }

    /** Clamped to 0–255 and rounded half to even, as {@code clip(0, 255).round()} does. */
    private static byte toByte(float v) {
        double clamped = Math.max(0f, Math.min(MAX_BYTE, v)); // the sums below are exact
        int rounded = (int) (clamped + HALF);
        if (rounded - clamped == HALF && (rounded & 1) == 1) {
            rounded--; // a tie goes to the even neighbour
        }
        return (byte) rounded;
    }

    /** The frames of an NHWC uint8 batch's bytes, as RGB24 (grey expanded, alpha dropped). */
    private static List<VideoFrame> cut(
            List<VideoFrame> like, byte[] all, int w, int h, int channels) {
        int pixels = w * h;
        int frameSize = pixels * channels;
        List<VideoFrame> out = new ArrayList<>(like.size());
        for (int n = 0; n < like.size(); n++) {
            byte[] rgb;
            if (channels == RGB) {
                rgb = Arrays.copyOfRange(all, n * frameSize, (n + 1) * frameSize);
            } else {
                rgb = new byte[pixels * RGB];
                for (int p = 0, i = n * frameSize; p < pixels; p++, i += channels) {
                    for (int c = 0; c < RGB; c++) {
                        rgb[p * RGB + c] = all[channels == 1 ? i : i + c]; // alpha never read
                    }
                }
            }
            out.add(like.get(n).withPixels(PixelFormat.RGB24, w, h, rgb));
        }
        return out;
    }
}
