package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * A video frame as packed RGB24 bytes ({@code width × height × 3}, rows top to bottom, no padding).
 * Pixels stay bytes until a processor asks for a tensor; nothing converts them to floats on the
 * way.
 *
 * <p>{@code skipped}: frames of the stream that were dropped before this one (fps cap or real-time
 * policy), as PyTrickle's side data reports.
 */
@PublicEvolving
public final class VideoFrame extends Frame {

    private final int width;
    private final int height;
    private final byte[] rgb;
    private final int skipped;

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
