package io.flinktrickle.connector.trickle.media;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;

import java.nio.ByteBuffer;

/**
 * Copies a decoded picture (FFmpeg's own {@link AVFrame}, in the codec's format and size) into a
 * frame's array in the {@link PixelFormat} and size a processor asked for, with at most one pass of
 * swscale and one copy:
 *
 * <ul>
 *   <li>YUV420P or GRAY8 from a yuv420p picture of the output size: the planes are copied out of
 *       FFmpeg's buffer as they are, nothing converted (GRAY8 takes the Y plane).
 *   <li>Anything else (RGB24, another size or source format): swscale converts and scales, keeping
 *       the aspect ratio, into a native buffer of this object's, from which the centre {@code width
 *       × height} is copied.
 * </ul>
 *
 * <p>Not thread-safe: one per decoder thread. {@link #close} frees the native buffers.
 */
final class PixelCopier implements AutoCloseable {

    private final PixelFormat format;
    private final int width;
    private final int height;

    private SwsContext sws;
    private AVFrame scaled;
    private BytePointer scaledBuffer;
    private int scaledW;
    private int scaledH;
    private int sourceW;
    private int sourceH;
    private int sourceFormat = avutil.AV_PIX_FMT_NONE;

    /** {@code format}: what the processor asked for ({@link PixelFormat#NONE}: the cheapest). */
    PixelCopier(PixelFormat format, int width, int height) {
        this.format = format.delivered();
        this.width = width;
        this.height = height;
    }

    PixelFormat format() {
        return format;
    }

    /** The picture's pixels as a new array of {@link #format()}, {@code width × height}. */
    byte[] copy(AVFrame picture) {
        byte[] out = new byte[format.byteCount(width, height)];
        if (picture.format() == avutil.AV_PIX_FMT_YUV420P
                && picture.width() == width
                && picture.height() == height
                && format != PixelFormat.RGB24) {
            copyPlane(picture.data(0), picture.linesize(0), width, height, 0, 0, out, 0);
            if (format == PixelFormat.YUV420P) {
                int luma = width * height;
                int cw = width / 2;
                int ch = height / 2;
                copyPlane(picture.data(1), picture.linesize(1), cw, ch, 0, 0, out, luma);
                copyPlane(picture.data(2), picture.linesize(2), cw, ch, 0, 0, out, luma + cw * ch);
            }
            return out;
        }
        scale(picture);
        // Crop offsets even, so that the chroma planes are cut at the same place as the luma.
        int x0 = ((scaledW - width) / 2) & ~1;
        int y0 = ((scaledH - height) / 2) & ~1;
        if (format == PixelFormat.RGB24) {
            copyPlane(scaled.data(0), scaled.linesize(0), width * 3, height, x0 * 3, y0, out, 0);
        } else {
            copyPlane(scaled.data(0), scaled.linesize(0), width, height, x0, y0, out, 0);
            if (format == PixelFormat.YUV420P) {
                int luma = width * height;
                int cw = width / 2;
                int ch = height / 2;
                copyPlane(scaled.data(1), scaled.linesize(1), cw, ch, x0 / 2, y0 / 2, out, luma);
                copyPlane(
                        scaled.data(2),
                        scaled.linesize(2),
                        cw,
                        ch,
                        x0 / 2,
                        y0 / 2,
                        out,
                        luma + cw * ch);
            }
        }
        return out;
    }

    /**
     * What swscale writes: GRAY8 is taken as the Y plane of YUV420P, so it keeps the video's
     * limited range (swscale's own GRAY8 is full range and would stretch the levels).
     */
    private int scaledFormat() {
        return format == PixelFormat.GRAY8 ? avutil.AV_PIX_FMT_YUV420P : format.ffmpegFormat();
    }

    /** swscale: the picture to {@link #format()}, scaled to cover {@code width × height}. */
    private void scale(AVFrame picture) {
        int w = picture.width();
        int h = picture.height();
        int f = picture.format();
        if (sws == null || w != sourceW || h != sourceH || f != sourceFormat) {
            double factor = Math.max((double) width / w, (double) height / h);
            int sw = Math.max(width, (int) Math.round(w * factor));
            int sh = Math.max(height, (int) Math.round(h * factor));
            sws =
                    swscale.sws_getCachedContext(
                            sws,
                            w,
                            h,
                            f,
                            sw,
                            sh,
                            scaledFormat(),
                            swscale.SWS_BILINEAR,
                            null,
                            null,
                            (DoublePointer) null);
            if (sws == null) {
                throw new IllegalStateException(
                        "swscale cannot convert a "
                                + w
                                + "x"
                                + h
                                + " picture of format "
                                + f
                                + " to "
                                + format);
            }
            if (scaled == null || sw != scaledW || sh != scaledH) {
                freeScaled();
                scaled = avutil.av_frame_alloc();
                int size = avutil.av_image_get_buffer_size(scaledFormat(), sw, sh, 1);
                scaledBuffer = new BytePointer(avutil.av_malloc(size)).capacity(size);
                avutil.av_image_fill_arrays(
                        scaled.data(), scaled.linesize(), scaledBuffer, scaledFormat(), sw, sh, 1);
                scaledW = sw;
                scaledH = sh;
            }
            sourceW = w;
            sourceH = h;
            sourceFormat = f;
        }
        swscale.sws_scale(
                sws, picture.data(), picture.linesize(), 0, h, scaled.data(), scaled.linesize());
    }

    /**
     * Copies {@code rowBytes × rows} from a native plane (rows {@code stride} apart), starting at
     * byte {@code x0} of row {@code y0}, into {@code out} at {@code offset}, packed.
     */
    private static void copyPlane(
            BytePointer plane,
            int stride,
            int rowBytes,
            int rows,
            int x0,
            int y0,
            byte[] out,
            int offset) {
        long start = (long) y0 * stride + x0;
        long extent = start + (long) (rows - 1) * stride + rowBytes;
        ByteBuffer src = plane.position(0).capacity(extent).asByteBuffer();
        if (stride == rowBytes) {
            src.position((int) start);
            src.get(out, offset, rowBytes * rows);
            return;
        }
        for (int y = 0; y < rows; y++) {
            src.position((int) (start + (long) y * stride));
            src.get(out, offset + y * rowBytes, rowBytes);
        }
    }

    private void freeScaled() {
        if (scaled != null) {
            avutil.av_frame_free(scaled);
            scaled = null;
        }
        if (scaledBuffer != null) {
            avutil.av_free(scaledBuffer);
            scaledBuffer = null;
        }
    }

    @Override
    public void close() {
        freeScaled();
        if (sws != null) {
            swscale.sws_freeContext(sws);
            sws = null;
        }
    }
}
