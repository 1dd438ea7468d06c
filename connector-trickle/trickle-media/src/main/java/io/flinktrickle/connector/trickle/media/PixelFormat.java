package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

import org.bytedeco.ffmpeg.global.avutil;

/**
 * How a {@link VideoFrame}'s pixels are laid out, and what a processor asks the decoder for. Every
 * layout is packed into one array, rows top to bottom, no row padding.
 *
 * <ul>
 *   <li>{@link #RGB24}: {@code width × height × 3} bytes, R G B per pixel. The default; what models
 *       take. The decoder converts from the codec's YUV (one colour conversion per frame, and one
 *       more in the encoder).
 *   <li>{@link #YUV420P}: the decoder's own format, planar: the Y plane ({@code width × height}),
 *       then U and V ({@code width/2 × height/2} each), limited range BT.601 as H.264 carries it.
 *       Nothing is converted on the way in or out.
 *   <li>{@link #GRAY8}: the Y plane alone ({@code width × height}). Cut from the decoded YUV
 *       without a conversion; a grey frame is encoded with neutral chroma.
 *   <li>{@link #NONE}: asked for by a processor that reads no pixels (audio, metadata,
 *       passthrough). It gets frames in the cheapest layout, the decoder's own ({@link #YUV420P});
 *       no frame ever has this format.
 * </ul>
 */
@PublicEvolving
public enum PixelFormat {
    RGB24(1, avutil.AV_PIX_FMT_RGB24),
    YUV420P(2, avutil.AV_PIX_FMT_YUV420P),
    GRAY8(3, avutil.AV_PIX_FMT_GRAY8),
    NONE(0, avutil.AV_PIX_FMT_NONE);

    /** The format's code in serialized frames: fixed, whatever the order of the constants. */
    private final byte code;

    private final int ffmpegFormat;

    PixelFormat(int code, int ffmpegFormat) {
        this.code = (byte) code;
        this.ffmpegFormat = ffmpegFormat;
    }

    /** The format frames carry when a processor asks for this one ({@link #NONE}: YUV420P). */
    public PixelFormat delivered() {
        return this == NONE ? YUV420P : this;
    }

    /**
     * The bytes of a {@code width × height} frame in this layout.
     *
     * @throws IllegalArgumentException for {@link #NONE}, or a YUV420P frame of odd size
     */
    public int byteCount(int width, int height) {
        switch (this) {
            case RGB24:
                return Math.multiplyExact(Math.multiplyExact(width, height), 3);
            case GRAY8:
                return Math.multiplyExact(width, height);
            case YUV420P:
                if (width % 2 != 0 || height % 2 != 0) {
                    throw new IllegalArgumentException(
                            "a YUV420P frame has an even size, not " + width + "x" + height);
                }
                return Math.multiplyExact(width, height) / 2 * 3;
            default:
                throw new IllegalArgumentException("no frame has the pixel format " + this);
        }
    }

    /** FFmpeg's {@code AV_PIX_FMT_*} for this layout. */
    int ffmpegFormat() {
        return ffmpegFormat;
    }

    byte code() {
        return code;
    }

    /** The format of a serialized frame; null if the code names none a frame can have. */
    static PixelFormat ofCode(byte code) {
        for (PixelFormat f : values()) {
            if (f.code == code && f != NONE) {
                return f;
            }
        }
        return null;
    }
}
