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
import java.util.List;

/**
 * The batch conversions behind {@link FrameTensors}: the frames' RGB bytes go into one direct
 * buffer (in the tensor's layout, so nothing is transposed on the device), become one uint8
 * NDArray, and one float conversion gives the batch; back, one copy of the whole batch to the host
 * is cut into frames. No per-frame NDArray either way. Any thread; the arrays belong to the given
 * manager.
 */
final class FrameBatches {
    private static final int RGB = 3;
    private static final float MAX_BYTE = 255f;

    private FrameBatches() {}

    /** {@code [N, H, W, 3]} ({@code nchw} false) or {@code [N, 3, H, W]} float32 in [0, 1]. */
    static NDArray toTensor(List<VideoFrame> frames, NDManager manager, boolean nchw) {
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
        int pixels = w * h;
        ByteBuffer buffer =
                ByteBuffer.allocateDirect(frames.size() * pixels * RGB)
                        .order(ByteOrder.nativeOrder());
        for (VideoFrame f : frames) {
            byte[] rgb = FrameTensors.rgbBytes(f);
            if (nchw) {
                int base = buffer.position();
                for (int p = 0, i = 0; p < pixels; p++, i += RGB) {
                    buffer.put(base + p, rgb[i]);
                    buffer.put(base + pixels + p, rgb[i + 1]);
                    buffer.put(base + 2 * pixels + p, rgb[i + 2]);
                }
                buffer.position(base + pixels * RGB);
            } else {
                buffer.put(rgb, 0, pixels * RGB);
            }
        }
        buffer.flip();
        Shape shape =
                nchw ? new Shape(frames.size(), RGB, h, w) : new Shape(frames.size(), h, w, RGB);
        // create(byte[]) would give signed INT8; the pixels are unsigned.
        try (NDArray bytes = manager.create(buffer, shape, DataType.UINT8)) {
            return bytes.toType(DataType.FLOAT32, false).divi(MAX_BYTE);
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
        int channels = (int) shape.get(nchw ? 1 : 3);
        int h = (int) shape.get(nchw ? 2 : 1);
        int w = (int) shape.get(nchw ? 3 : 2);
        if (channels != 1 && channels != RGB && channels != 4) {
            throw new IllegalArgumentException(
                    "frame tensors have 1, 3 or 4 channels, not " + channels);
        }
        int pixels = w * h;
        int frameSize = pixels * channels;
        List<VideoFrame> out = new ArrayList<>(like.size());
        if (batch.getDataType() == DataType.UINT8) {
            byte[] all = batch.toByteArray(); // one copy of the batch to the host
            for (int n = 0; n < like.size(); n++) {
                byte[] rgb = new byte[pixels * RGB];
                for (int p = 0; p < pixels; p++) {
                    for (int c = 0; c < RGB; c++) {
                        rgb[p * RGB + c] = all[index(n * frameSize, p, c, channels, pixels, nchw)];
                    }
                }
                out.add(like.get(n).withPixels(PixelFormat.RGB24, w, h, rgb));
            }
            return out;
        }
        float[] all;
        if (batch.getDataType() == DataType.FLOAT32) {
            all = batch.toFloatArray(); // one copy of the batch to the host
        } else {
            try (NDArray f = batch.toType(DataType.FLOAT32, false)) {
                all = f.toFloatArray();
            }
        }
        for (int n = 0; n < like.size(); n++) {
            int base = n * frameSize;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = base; i < base + frameSize; i++) {
                max = Math.max(max, all[i]);
            }
            float scale = max <= 1f ? MAX_BYTE : 1f; // PyTrickle's rule, per frame
            byte[] rgb = new byte[pixels * RGB];
            for (int p = 0; p < pixels; p++) {
                for (int c = 0; c < RGB; c++) {
                    float v = all[index(base, p, c, channels, pixels, nchw)] * scale;
                    rgb[p * RGB + c] = (byte) Math.rint(Math.max(0f, Math.min(MAX_BYTE, v)));
                }
            }
            out.add(like.get(n).withPixels(PixelFormat.RGB24, w, h, rgb));
        }
        return out;
    }

    /** Where channel {@code c} (grey: 0 for all three) of pixel {@code p} is. */
    private static int index(int base, int p, int c, int channels, int pixels, boolean nchw) {
        int channel = channels == 1 ? 0 : c; // alpha (4 channels) is never read
        return nchw ? base + channel * pixels + p : base + p * channels + channel;
    }
}
