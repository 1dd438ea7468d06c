package io.flinktrickle.processor.tensor;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.annotation.PublicEvolving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Video frames as DJL tensors and back, with PyTrickle's layout: RGB, height × width × channels,
 * float32 in [0, 1]. Tensors live on the device of the {@link NDManager} they are created with (the
 * processor's slot device); close the manager (or the tensors) when done.
 *
 * <p><b>Pixel formats.</b> The RGB accessors ({@link #toTensor}, {@link #toHwcTensor}, {@link
 * #toUint8}) take a frame of any {@link PixelFormat} and always give RGB:
 *
 * <ul>
 *   <li>{@link PixelFormat#RGB24}: the bytes as they are, no conversion.
 *   <li>{@link PixelFormat#YUV420P}: converted to RGB with BT.601 limited range (Y 16–235, chroma
 *       16–240 around 128, as H.264 carries it; out-of-range results are clamped to 0–255), each
 *       chroma sample covering its 2×2 block of pixels (nearest-neighbour upsampling, as swscale's
 *       unscaled conversion does, so the result matches what the decoder gives a processor that
 *       asks for RGB24 up to rounding). A tight Java loop (integer arithmetic) on the CPU, then one
 *       upload of the RGB bytes: on a 512×512 frame, on a 2-core CPU, 0.75 ms to the uint8 tensor
 *       and 0.85 ms to the float one, against 1.1–1.25 ms for the same maths in PyTorch ops (an
 *       RGB24 frame's float tensor takes 0.15 ms).
 *   <li>{@link PixelFormat#GRAY8}: the Y plane (limited range) stretched to full range, grey, the
 *       same value in all three channels.
 * </ul>
 *
 * <p>Processors that only need brightness ask for YUV420P or GRAY8 and read {@link #toLumaTensor}
 * (no colour conversion at all); {@link #toYuvPlanes} gives a YUV420P frame's planes as they are.
 *
 * <p>Batches of frames of several streams ({@link #toBatchTensor}, {@link #toBatchNchwTensor}, and
 * back with {@link #toFrames}) are built and read whole, without a tensor per frame.
 *
 * <p>Back to a frame ({@link #toFrame}), as PyTrickle's {@code to_av_frame}: shape {@code [1, H, W,
 * C]} or {@code [H, W, C]} with C = 1 (grey, expanded to RGB), 3 or 4 (alpha dropped); float values
 * are scaled by 255 when their maximum is at most 1, then clamped to 0–255 and rounded; uint8
 * values are taken as they are. The result is always an RGB24 frame, whatever the format of {@code
 * like}: the encoder converts it to the codec's YUV.
 */
@PublicEvolving
public final class FrameTensors {

    // BT.601 limited range to full-range RGB, in 16.16 fixed point:
    // R = 1.164383 (Y-16) + 1.596027 (V-128)
    // G = 1.164383 (Y-16) - 0.391762 (U-128) - 0.812968 (V-128)
    // B = 1.164383 (Y-16) + 2.017232 (U-128)
    private static final int Y_SCALE = 76309;
    private static final int RV = 104597;
    private static final int GU = 25675;
    private static final int GV = 53279;
    private static final int BU = 132201;
    private static final int HALF = 1 << 15;

    /** Clamping to 0–255 by lookup: index {@code value + CLAMP_OFFSET}. */
    private static final int CLAMP_OFFSET = 320;

    private static final byte[] CLAMP = new byte[CLAMP_OFFSET * 2 + 256];

    static {
        for (int i = 0; i < CLAMP.length; i++) {
            CLAMP[i] = (byte) Math.max(0, Math.min(255, i - CLAMP_OFFSET));
        }
    }

    private FrameTensors() {}

    /**
     * {@code [1, H, W, 3]} float32 RGB in [0, 1]: PyTrickle's {@code VideoFrame.tensor}. Any frame
     * format: RGB24 as it is, YUV420P converted, GRAY8 expanded to grey RGB (see the class).
     */
    public static NDArray toTensor(VideoFrame frame, NDManager manager) {
        try (NDArray hwc = toHwcTensor(frame, manager)) {
            return hwc.expandDims(0);
        }
    }

    /**
     * {@code [H, W, 3]} float32 RGB in [0, 1]. Any frame format: RGB24 as it is, YUV420P converted,
     * GRAY8 expanded to grey RGB (see the class).
     */
    public static NDArray toHwcTensor(VideoFrame frame, NDManager manager) {
        try (NDArray bytes = toUint8(frame, manager)) {
            return bytes.toType(DataType.FLOAT32, false).divi(255f);
        }
    }

    /**
     * {@code [H, W, 3]} uint8 RGB (no float conversion). RGB24: the frame's bytes as they are;
     * YUV420P: converted to RGB (BT.601 limited range, chroma per 2×2 block); GRAY8: the luma
     * stretched to full range, in all three channels.
     */
    public static NDArray toUint8(VideoFrame frame, NDManager manager) {
        // create(byte[]) would give signed INT8; the pixels are unsigned.
        return manager.create(
                ByteBuffer.wrap(rgbBytes(frame)),
                new Shape(frame.height(), frame.width(), 3),
                DataType.UINT8);
    }

    /**
     * {@code [H, W, 1]} float32 luma in [0, 1] (full range, BT.601): what a processor that only
     * needs brightness reads. YUV420P and GRAY8: the Y plane as it is, only mapped from limited
     * range ({@code (Y - 16) / 219}, clamped), no colour conversion and the chroma never read;
     * RGB24: {@code (0.299 R + 0.587 G + 0.114 B) / 255}.
     */
    public static NDArray toLumaTensor(VideoFrame frame, NDManager manager) {
        int w = frame.width();
        int h = frame.height();
        if (frame.format() == PixelFormat.RGB24) {
            byte[] rgb = frame.pixels();
            float[] luma = new float[w * h];
            for (int i = 0, p = 0; i < luma.length; i++, p += 3) {
                luma[i] =
                        (0.299f * (rgb[p] & 0xff)
                                        + 0.587f * (rgb[p + 1] & 0xff)
                                        + 0.114f * (rgb[p + 2] & 0xff))
                                / 255f;
            }
            return manager.create(luma, new Shape(h, w, 1));
        }
        try (NDArray y = bytes(manager, frame.pixels(), 0, new Shape(h, w, 1));
                NDArray f = y.toType(DataType.FLOAT32, false)) {
            return f.subi(16f).divi(219f).clip(0f, 1f);
        }
    }

    /**
     * A YUV420P frame's planes as they are, uint8, no conversion: Y {@code [H, W]}, U {@code [H/2,
     * W/2]} and V {@code [H/2, W/2]} (BT.601 limited range: Y 16–235, chroma 16–240 around 128).
     *
     * @throws IllegalArgumentException if the frame is not YUV420P (a processor gets YUV420P frames
     *     when it asks for {@link PixelFormat#YUV420P} or {@link PixelFormat#NONE})
     */
    public static NDList toYuvPlanes(VideoFrame frame, NDManager manager) {
        if (frame.format() != PixelFormat.YUV420P) {
            throw new IllegalArgumentException(
                    "YUV planes come from a YUV420P frame, not "
                            + frame.format()
                            + ": let the processor ask for YUV420P");
        }
        int w = frame.width();
        int h = frame.height();
        int luma = w * h;
        byte[] p = frame.pixels();
        return new NDList(
                plane(manager, p, 0, h, w),
                plane(manager, p, luma, h / 2, w / 2),
                plane(manager, p, luma + luma / 4, h / 2, w / 2));
    }

    /** A {@code rows × cols} uint8 tensor of the bytes of {@code data} from {@code offset}. */
    private static NDArray plane(NDManager manager, byte[] data, int offset, int rows, int cols) {
        return bytes(manager, data, offset, new Shape(rows, cols));
    }

    /** A uint8 tensor of {@code shape} of the bytes of {@code data} from {@code offset}. */
    private static NDArray bytes(NDManager manager, byte[] data, int offset, Shape shape) {
        // create(byte[]) would give signed INT8; the pixels are unsigned.
        return manager.create(
                ByteBuffer.wrap(data, offset, Math.toIntExact(shape.size())).slice(),
                shape,
                DataType.UINT8);
    }

    /** The frame's pixels as packed RGB24: the frame's own array, or a converted copy. */
    static byte[] rgbBytes(VideoFrame frame) {
        switch (frame.format()) {
            case RGB24:
                return frame.pixels();
            case YUV420P:
                return yuv420pToRgb(frame.pixels(), frame.width(), frame.height());
            case GRAY8:
                return grayToRgb(frame.pixels(), frame.width(), frame.height());
            default:
                throw new IllegalArgumentException(
                        "no frame has the pixel format " + frame.format());
        }
    }

    /** YUV420P (BT.601 limited range) to packed RGB24, chroma per 2×2 block. */
    static byte[] yuv420pToRgb(byte[] yuv, int width, int height) {
        byte[] out = new byte[width * height * 3];
        byte[] clamp = CLAMP;
        int cw = width / 2;
        int uPlane = width * height;
        int vPlane = uPlane + uPlane / 4;
        for (int row = 0; row < height; row++) {
            int yi = row * width;
            int ci = (row >> 1) * cw;
            int o = yi * 3;
            for (int cx = 0; cx < cw; cx++, ci++, yi += 2, o += 6) {
                int u = (yuv[uPlane + ci] & 0xff) - 128;
                int v = (yuv[vPlane + ci] & 0xff) - 128;
                int r = RV * v + HALF;
                int g = HALF - GU * u - GV * v;
                int b = BU * u + HALF;
                int y0 = Y_SCALE * ((yuv[yi] & 0xff) - 16);
                int y1 = Y_SCALE * ((yuv[yi + 1] & 0xff) - 16);
                out[o] = clamp[((y0 + r) >> 16) + CLAMP_OFFSET];
                out[o + 1] = clamp[((y0 + g) >> 16) + CLAMP_OFFSET];
                out[o + 2] = clamp[((y0 + b) >> 16) + CLAMP_OFFSET];
                out[o + 3] = clamp[((y1 + r) >> 16) + CLAMP_OFFSET];
                out[o + 4] = clamp[((y1 + g) >> 16) + CLAMP_OFFSET];
                out[o + 5] = clamp[((y1 + b) >> 16) + CLAMP_OFFSET];
            }
        }
        return out;
    }

    /** GRAY8 (the Y plane, limited range) to packed grey RGB24 in full range. */
    static byte[] grayToRgb(byte[] gray, int width, int height) {
        int n = width * height;
        byte[] out = new byte[n * 3];
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            byte g = CLAMP[((Y_SCALE * ((gray[i] & 0xff) - 16) + HALF) >> 16) + CLAMP_OFFSET];
            out[o] = g;
            out[o + 1] = g;
            out[o + 2] = g;
        }
        return out;
    }

    /**
     * {@code [N, H, W, 3]} float32 RGB in [0, 1] of {@code frames} (all one size, any format, as
     * {@link #toTensor}), on {@code manager}'s device: the frames' bytes are gathered into one
     * buffer and uploaded once, with no per-frame tensor.
     *
     * @throws IllegalArgumentException no frames, or frames of different sizes
     */
    public static NDArray toBatchTensor(List<VideoFrame> frames, NDManager manager) {
        return FrameBatches.toTensor(frames, manager);
    }

    /**
     * {@code [N, 3, H, W]} float32 RGB in [0, 1] (the shape most vision models take): the {@link
     * #toBatchTensor} batch's transposed view, in channels-last memory with no copy. PyTorch's
     * convolutions take it as it is, and on the CPU run much faster on it than on a contiguous NCHW
     * batch (seen with {@code BlurBatchModel}'s depthwise convolution, where a contiguous batch
     * took a slow path).
     */
    public static NDArray toBatchNchwTensor(List<VideoFrame> frames, NDManager manager) {
        return FrameBatches.toNchwTensor(frames, manager);
    }

    /**
     * One frame per {@code like} (its stream and timing) from an {@code [N, H, W, C]} batch, with
     * one copy of the batch to the host; per frame as {@link #toFrame} (C = 1, 3 or 4; a float
     * frame whose maximum is at most 1 is scaled by 255; always RGB24).
     */
    public static List<VideoFrame> toFrames(List<VideoFrame> like, NDArray batch) {
        return FrameBatches.toFrames(like, batch, false);
    }

    /**
     * As {@link #toFrames}, from an {@code [N, C, H, W]} batch (read through its NHWC view: a model
     * output in channels-last memory is copied to the host as it is).
     */
    public static List<VideoFrame> toFramesFromNchw(List<VideoFrame> like, NDArray batch) {
        return FrameBatches.toFrames(like, batch, true);
    }

    /**
     * A frame with {@code like}'s stream and timing and the tensor's pixels (and size), always
     * RGB24 whatever {@code like}'s format (the encoder converts RGB24 to the codec's YUV). Tensor
     * rules as the class says.
     */
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
                return like.withPixels(PixelFormat.RGB24, width, height, u8.toByteArray());
            }
        } finally {
            if (squeezed) {
                hwc.close();
            }
        }
    }
}
