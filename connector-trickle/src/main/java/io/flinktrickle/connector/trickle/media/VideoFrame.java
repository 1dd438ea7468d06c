package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * A video frame as packed RGB24 bytes. Pixels stay bytes until a processor asks for a tensor;
 * nothing converts them to floats on the way.
 *
 * <p>Layout: {@code width × height × 3} bytes, rows top to bottom, each row left to right, three
 * bytes per pixel in the order R, G, B (unsigned: read {@code b & 0xff}); no row padding, so pixel
 * {@code (x, y)} starts at {@link #indexOf indexOf(x, y)} {@code = (y × width + x) × 3}.
 *
 * <p>Ownership: a frame is immutable and its array is shared, not copied, with whoever else holds
 * the frame. A processor must not change {@link #rgb()} in place: the operator passes the input
 * frame through as it is when the processor fails or times out (possibly while the processor still
 * runs). Write the result into a new array and return {@link #withPixels}; that array then belongs
 * to the new frame (do not change it after returning it).
 *
 * <p>{@code skipped}: frames of the stream that were dropped before this one (fps cap or real-time
 * policy), as PyTrickle's side data reports. Timestamps ({@link #pts()}) are in the 90 kHz time
 * base. Tests build frames with {@link #builder(int, int)}.
 */
@PublicEvolving
public final class VideoFrame extends Frame {

    private final int width;
    private final int height;
    private final byte[] rgb;
    private final int skipped;

    /**
     * A frame of stream {@code streamKey}; prefer {@link #builder(int, int)}, whose fields are
     * named.
     */
    public VideoFrame(
            String streamKey,
            long pts,
            long arrivalMillis,
            int width,
            int height,
            byte[] rgb,
            int skipped) {
        super(streamKey, pts, arrivalMillis);
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "frame size must be positive but is " + width + "x" + height);
        }
        Objects.requireNonNull(rgb, "rgb");
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "RGB24 data of a "
                            + width
                            + "x"
                            + height
                            + " frame must be "
                            + (width * height * 3)
                            + " bytes but is "
                            + rgb.length);
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
        this.skipped = skipped;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /**
     * The pixels, packed RGB24. The array is shared, not copied: treat it as read-only (use {@link
     * #withPixels} to produce a changed frame).
     */
    public byte[] rgb() {
        return rgb;
    }

    public int skipped() {
        return skipped;
    }

    /** Where pixel {@code (x, y)} starts in {@link #rgb()}: its R byte; G and B follow. */
    public int indexOf(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            throw new IndexOutOfBoundsException(
                    "pixel (" + x + ", " + y + ") is outside a " + width + "x" + height + " frame");
        }
        return (y * width + x) * 3;
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
        private byte[] rgb;

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

        /** The pixels, packed RGB24 as the class describes (taken, not copied). */
        public Builder rgb(byte[] rgb) {
            this.rgb = rgb;
            return this;
        }

        /** Every pixel the same colour (0–255 each). */
        public Builder fill(int r, int g, int b) {
            checkByte(r, "r");
            checkByte(g, "g");
            checkByte(b, "b");
            this.rgb = new byte[Math.max(0, width) * Math.max(0, height) * 3];
            for (int i = 0; i < rgb.length; i += 3) {
                rgb[i] = (byte) r;
                rgb[i + 1] = (byte) g;
                rgb[i + 2] = (byte) b;
            }
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
            byte[] pixels = rgb;
            if (pixels == null && width > 0 && height > 0) {
                pixels = new byte[width * height * 3];
            }
            return new VideoFrame(streamKey, pts, arrivalMillis, width, height, pixels, skipped);
        }
    }

    /** The same frame (stream, timing) with other pixels, possibly of another size. */
    public VideoFrame withPixels(int width, int height, byte[] rgb) {
        return new VideoFrame(streamKey(), pts(), arrivalMillis(), width, height, rgb, skipped);
    }

    public VideoFrame withPts(long pts) {
        return new VideoFrame(streamKey(), pts, arrivalMillis(), width, height, rgb, skipped);
    }

    public VideoFrame withSkipped(int skipped) {
        return new VideoFrame(streamKey(), pts(), arrivalMillis(), width, height, rgb, skipped);
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
                && Objects.equals(streamKey(), f.streamKey())
                && Arrays.equals(rgb, f.rgb);
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamKey(), pts(), width, height);
    }

    @Override
    public String toString() {
        return "VideoFrame{" + streamKey() + " pts=" + pts() + " " + width + "x" + height + "}";
    }
}
