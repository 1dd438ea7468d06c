package io.flinktrickle.connector.trickle.media;

import java.util.Arrays;

/**
 * BT.601 limited-range colour maths (what H.264 at these sizes carries and FFmpeg's swscale
 * assumes), for building frames of a given colour in any {@link PixelFormat}. Not on the per-frame
 * path: decoders and encoders convert with swscale.
 */
final class Yuv {

    private Yuv() {}

    /** Luma of an RGB colour, 16–235. */
    static int y(int r, int g, int b) {
        return clamp(Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255));
    }

    /** Blue-difference chroma of an RGB colour, 16–240. */
    static int u(int r, int g, int b) {
        return clamp(Math.round(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255));
    }

    /** Red-difference chroma of an RGB colour, 16–240. */
    static int v(int r, int g, int b) {
        return clamp(Math.round(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255));
    }

    private static int clamp(long v) {
        return (int) Math.max(0, Math.min(255, v));
    }

    /** A {@code width × height} frame's pixels in {@code format}, every pixel {@code (r, g, b)}. */
    static byte[] filled(PixelFormat format, int width, int height, int r, int g, int b) {
        byte[] data = new byte[format.byteCount(width, height)];
        switch (format) {
            case RGB24:
                for (int i = 0; i < data.length; i += 3) {
                    data[i] = (byte) r;
                    data[i + 1] = (byte) g;
                    data[i + 2] = (byte) b;
                }
                break;
            case GRAY8:
                Arrays.fill(data, (byte) y(r, g, b));
                break;
            case YUV420P:
                int luma = width * height;
                int chroma = luma / 4;
                Arrays.fill(data, 0, luma, (byte) y(r, g, b));
                Arrays.fill(data, luma, luma + chroma, (byte) u(r, g, b));
                Arrays.fill(data, luma + chroma, data.length, (byte) v(r, g, b));
                break;
            default:
                throw new IllegalArgumentException("no frame has the pixel format " + format);
        }
        return data;
    }
}
