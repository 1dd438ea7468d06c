package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * A video frame: its pixels in one array, in the {@link PixelFormat} the stream's processor asked
 * for (packed RGB24 by default). Pixels stay bytes until a processor asks for a tensor; nothing
 * converts them to floats on the way.
 *
 * <p>RGB24 layout ({@link #rgb()}): {@code width × height × 3} bytes, rows top to bottom, each row
 * left to right, three bytes per pixel in the order R, G, B (unsigned: read {@code b & 0xff}); no
 * row padding, so pixel {@code (x, y)} starts at {@link #indexOf indexOf(x, y)} {@code = (y × width
 * + x) × 3}. YUV420P and GRAY8 ({@link #pixels()}): see {@link PixelFormat}; the Y plane comes
 * first in both, so {@code pixels()[y × width + x]} is a pixel's luma in either.
 *
 * <p>Ownership: a frame is immutable and its array is shared, not copied, with whoever else holds
 * the frame. A processor must not change {@link #pixels()} in place: the operator passes the input
 * frame through as it is when the processor fails or times out (possibly while the processor still
 * runs). Write the result into a new array and return {@link #withPixels}; that array then belongs
 * to the new frame (do not change it after returning it).
 *
 * <p>{@code skipped}: frames of the stream that were dropped before this one (fps cap or real-time
 * policy), as PyTrickle's side data reports. Timestamps ({@link #pts()}) are the input's own, in
 * the 90 kHz time base. Tests build frames with {@link #builder(int, int)}.
 */
@PublicEvolving
public final class VideoFrame extends Frame {

    private final int width;
    private final int height;
    private final PixelFormat format;
    private final byte[] pixels;
    private final int skipped;
    private final boolean keyframe;

    /**
     * An RGB24 frame of stream {@code streamKey}; prefer {@link #builder(int, int)}, whose fields
     * are named.
     */
    public VideoFrame(
            String streamKey,
            long pts,
            long arrivalMillis,
            int width,
            int height,
            byte[] rgb,
            int skipped) {
        this(streamKey, pts, arrivalMillis, PixelFormat.RGB24, width, height, rgb, skipped);
    }

    /**
     * A frame of stream {@code streamKey} whose pixels are laid out as {@code format} says.
     *
     * @throws IllegalArgumentException if the size is not positive (even for YUV420P), the format
     *     is {@link PixelFormat#NONE}, or the array's length is not the format's for the size
     */
    public VideoFrame(
            String streamKey,
            long pts,
            long arrivalMillis,
            PixelFormat format,
            int width,
            int height,
            byte[] pixels,
            int skipped) {
        this(streamKey, pts, arrivalMillis, format, width, height, pixels, skipped, false);
    }

    private VideoFrame(
            String streamKey,
            long pts,
            long arrivalMillis,
            PixelFormat format,
            int width,
            int height,
            byte[] pixels,
            int skipped,
            boolean keyframe) {
        super(streamKey, pts, arrivalMillis);
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "frame size must be positive but is " + width + "x" + height);
        }
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(pixels, "pixels");
        int expected = format.byteCount(width, height);
        if (pixels.length != expected) {
            throw new IllegalArgumentException(
                    format
                            + " data of a "
                            + width
                            + "x"
                            + height
                            + " frame must be "
                            + expected
                            + " bytes but is "
                            + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.format = format;
        this.pixels = pixels;
        this.skipped = skipped;
        this.keyframe = keyframe;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** How {@link #pixels()} are laid out. */
    public PixelFormat format() {
        return format;
    }

    /**
     * The pixels in this frame's {@link #format()}. The array is shared, not copied: treat it as
     * read-only (use {@link #withPixels} to produce a changed frame).
     */
    public byte[] pixels() {
        return pixels;
    }

    /**
     * The pixels, packed RGB24 (shared, read-only as {@link #pixels()}).
     *
     * @throws IllegalStateException if the frame is in another format: a processor gets RGB24
     *     frames unless it asks for another format ({@code FrameProcessor#pixelFormat})
     */
    public byte[] rgb() {
        if (format != PixelFormat.RGB24) {
            throw new IllegalStateException(
                    "this frame is "
                            + format
                            + ", not RGB24: read pixels(), or let the processor ask for RGB24");
        }
        return pixels;
    }

    public int skipped() {
        return skipped;
    }

    /**
     * Whether the input had a keyframe here (in a trickle stream: an input segment starts here).
     * The encoder starts its output segments at such frames, so output segments pair with input
     * segments.
     */
    public boolean keyframe() {
        return keyframe;
    }

    /**
     * Where pixel {@code (x, y)} starts in {@link #pixels()}: in RGB24 its R byte (G and B follow);
     * in YUV420P and GRAY8 its Y byte.
     */
    public int indexOf(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            throw new IndexOutOfBoundsException(
                    "pixel (" + x + ", " + y + ") is outside a " + width + "x" + height + " frame");
        }
        int i = y * width + x;
        return format == PixelFormat.RGB24 ? i * 3 : i;
    }

    /** A builder of a {@code width × height} frame: black, stream {@code "stream"}, pts 0. */
    public static Builder builder(int width, int height) {
        return new Builder(width, height);
    }

    /** Builds a {@link VideoFrame} from named fields; checked in {@link #build()}. */
    @PublicEvolving
    public static final class Builder {
        private final int width;
        private final int height;
        private String streamKey = "stream";
        private long pts;
        private long arrivalMillis;
        private int skipped;
        private boolean keyframe;
        private PixelFormat format = PixelFormat.RGB24;
        private byte[] pixels;

        private Builder(int width, int height) {
            this.width = width;
            this.height = height;
        }

        /** The stream the frame belongs to (default {@code "stream"}). */
        public Builder streamKey(String streamKey) {
            this.streamKey = streamKey;
            return this;
        }

        /** Presentation timestamp in the 90 kHz time base (default 0). */
        public Builder pts(long pts) {
            this.pts = pts;
            return this;
        }

        /** Wall-clock arrival time in ms (default 0). */
        public Builder arrivalMillis(long arrivalMillis) {
            this.arrivalMillis = arrivalMillis;
            return this;
        }

        /** Frames dropped before this one (default 0). */
        public Builder skipped(int skipped) {
            this.skipped = skipped;
            return this;
        }

        /** Whether the input had a keyframe here (default false). */
        public Builder keyframe(boolean keyframe) {
            this.keyframe = keyframe;
            return this;
        }

        /** The pixels, packed RGB24 as the class describes (taken, not copied). */
        public Builder rgb(byte[] rgb) {
            this.format = PixelFormat.RGB24;
            this.pixels = rgb;
            return this;
        }

        /** The pixels in {@code format}'s layout (taken, not copied). */
        public Builder pixels(PixelFormat format, byte[] pixels) {
            this.format = format;
            this.pixels = pixels;
            return this;
        }

        /**
         * Every pixel the same colour (0–255 each), in the format set so far (RGB24 unless {@link
         * #pixels} or {@link #format} chose another; YUV uses BT.601 limited range).
         */
        public Builder fill(int r, int g, int b) {
            checkByte(r, "r");
            checkByte(g, "g");
            checkByte(b, "b");
            this.pixels = Yuv.filled(format, Math.max(0, width), Math.max(0, height), r, g, b);
            return this;
        }

        /** The pixel format (default RGB24); a black frame of it unless pixels are given. */
        public Builder format(PixelFormat format) {
            if (format != this.format) {
                this.pixels = null;
            }
            this.format = format;
            return this;
        }

        private static void checkByte(int v, String name) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException(name + " must be 0-255 but is " + v);
            }
        }

        /** The frame (black if no pixels were given); size and data length are checked. */
        public VideoFrame build() {
            if (streamKey == null) {
                throw new IllegalArgumentException("a frame needs a stream key");
            }
            if (format == null || format == PixelFormat.NONE) {
                throw new IllegalArgumentException("a frame needs a pixel format, not " + format);
            }
            byte[] data = pixels;
            if (data == null && width > 0 && height > 0) {
                data = Yuv.filled(format, width, height, 0, 0, 0);
            }
            return new VideoFrame(
                    streamKey, pts, arrivalMillis, format, width, height, data, skipped, keyframe);
        }
    }

    /** The same frame (stream, timing) with other RGB24 pixels, possibly of another size. */
    public VideoFrame withPixels(int width, int height, byte[] rgb) {
        return withPixels(PixelFormat.RGB24, width, height, rgb);
    }

    /** The same frame (stream, timing) with other pixels, of any format and size. */
    public VideoFrame withPixels(PixelFormat format, int width, int height, byte[] pixels) {
        return new VideoFrame(
                streamKey(),
                pts(),
                arrivalMillis(),
                format,
                width,
                height,
                pixels,
                skipped,
                keyframe);
    }

    public VideoFrame withPts(long pts) {
        return new VideoFrame(
                streamKey(),
                pts,
                arrivalMillis(),
                format,
                width,
                height,
                pixels,
                skipped,
                keyframe);
    }

    public VideoFrame withSkipped(int skipped) {
        return new VideoFrame(
                streamKey(),
                pts(),
                arrivalMillis(),
                format,
                width,
                height,
                pixels,
                skipped,
                keyframe);
    }

    /** The same frame, marked as an input keyframe or not ({@link #keyframe()}). */
    public VideoFrame withKeyframe(boolean keyframe) {
        return new VideoFrame(
                streamKey(),
                pts(),
                arrivalMillis(),
                format,
                width,
                height,
                pixels,
                skipped,
                keyframe);
    }

    @Override
    public boolean isVideo() {
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof VideoFrame)) {
            return false;
        }
        VideoFrame f = (VideoFrame) o;
        return pts() == f.pts()
                && arrivalMillis() == f.arrivalMillis()
                && width == f.width
                && height == f.height
                && skipped == f.skipped
                && keyframe == f.keyframe
                && format == f.format
                && Objects.equals(streamKey(), f.streamKey())
                && Arrays.equals(pixels, f.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamKey(), pts(), width, height);
    }

    @Override
    public String toString() {
        return "VideoFrame{"
                + streamKey()
                + " pts="
                + pts()
                + " "
                + width
                + "x"
                + height
                + (format == PixelFormat.RGB24 ? "" : " " + format)
                + "}";
    }
}
