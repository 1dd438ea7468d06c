package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static io.flinktrickle.connector.trickle.media.MediaSupport.clip;
import static io.flinktrickle.connector.trickle.media.MediaSupport.concat;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decoder;
import static io.flinktrickle.connector.trickle.media.MediaSupport.meanAbsDiff;
import static io.flinktrickle.connector.trickle.media.MediaSupport.pictures;
import static io.flinktrickle.connector.trickle.media.MediaSupport.rgbOf;
import static io.flinktrickle.connector.trickle.media.MediaSupport.video;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MpegTsFrameDecoder} in each {@link PixelFormat}, checked against FFmpeg's own decoded
 * pictures (a grabber of the test's, in raw mode) and against BT.601 done by hand.
 */
class DecoderPixelFormatsITCase {

    private static final int SIZE = 512;
    private static final int LUMA = SIZE * SIZE;

    /** A frame's pts and a checksum of its pixels (a whole clip's pixels are not kept). */
    private static final class Digest {
        final long pts;
        final long crc;
        final int length;
        final boolean keyframe;
        final PixelFormat format;

        Digest(VideoFrame f) {
            this.pts = f.pts();
            this.crc = crc(f.pixels(), 0, f.pixels().length);
            this.length = f.pixels().length;
            this.keyframe = f.keyframe();
            this.format = f.format();
        }
    }

    private static long crc(byte[] b, int from, int to) {
        CRC32 c = new CRC32();
        c.update(b, from, to - from);
        return c.getValue();
    }

    private static List<Digest> digests(PixelFormat format, List<byte[]> segments)
            throws Exception {
        List<Digest> d = new ArrayList<>();
        decode(
                decoder(format),
                segments,
                f -> {
                    if (f instanceof VideoFrame) {
                        d.add(new Digest((VideoFrame) f));
                    }
                });
        return d;
    }

    @Test
    void yuv420pIsFfmpegsOwnPictureAndGray8ItsYPlane() throws Exception {
        List<byte[]> clipA = clip("clip-a-512-h264-aac");
        List<Long> ffPts = new ArrayList<>();
        List<Long> ffYuv = new ArrayList<>();
        List<Long> ffY = new ArrayList<>();
        byte[][] firstPicture = new byte[1][];
        pictures(
                concat(clipA),
                p -> {
                    assertThat(p.width).isEqualTo(SIZE);
                    assertThat(p.height).isEqualTo(SIZE);
                    ffPts.add(p.pts);
                    ffYuv.add(crc(p.yuv, 0, p.yuv.length));
                    ffY.add(crc(p.yuv, 0, LUMA));
                    if (firstPicture[0] == null) {
                        firstPicture[0] = p.yuv;
                    }
                });
        assertThat(ffPts).hasSize(300);

        List<VideoFrame> first = video(decode(decoder(PixelFormat.YUV420P), List.of(clipA.get(0))));
        assertThat(first.get(0).pixels())
                .as("the first picture, byte for byte")
                .isEqualTo(firstPicture[0]);

        Map<PixelFormat, List<Digest>> ours = new EnumMap<>(PixelFormat.class);
        for (PixelFormat f : PixelFormat.values()) {
            ours.put(f, digests(f, clipA));
        }
        for (PixelFormat f : PixelFormat.values()) {
            List<Digest> d = ours.get(f);
            assertThat(d).as("%s frames", f).hasSize(300);
            for (int i = 0; i < 300; i++) {
                assertThat(d.get(i).pts).as("%s pts of frame %d", f, i).isEqualTo(ffPts.get(i));
                assertThat(d.get(i).format).isEqualTo(f.delivered());
                assertThat(d.get(i).length).isEqualTo(f.delivered().byteCount(SIZE, SIZE));
                assertThat(d.get(i).keyframe).isEqualTo(i % 60 == 0); // a GOP per segment
            }
        }
        for (int i = 0; i < 300; i++) {
            assertThat(ours.get(PixelFormat.YUV420P).get(i).crc)
                    .as("YUV420P frame %d is FFmpeg's picture", i)
                    .isEqualTo(ffYuv.get(i));
            assertThat(ours.get(PixelFormat.NONE).get(i).crc)
                    .as("NONE frame %d is FFmpeg's picture", i)
                    .isEqualTo(ffYuv.get(i));
            assertThat(ours.get(PixelFormat.GRAY8).get(i).crc)
                    .as("GRAY8 frame %d is FFmpeg's Y plane", i)
                    .isEqualTo(ffY.get(i));
        }
    }

    @Test
    void rgb24OfClipAIsTheBt601ConversionOfItsYuv() throws Exception {
        List<byte[]> seg = List.of(clip("clip-a-512-h264-aac").get(0));
        List<VideoFrame> yuv = video(decode(decoder(PixelFormat.YUV420P), seg));
        List<VideoFrame> rgb = video(decode(decoder(PixelFormat.RGB24), seg));
        assertThat(rgb).hasSameSizeAs(yuv).hasSize(60);
        for (int i = 0; i < 60; i += 10) {
            assertThat(rgb.get(i).pts()).isEqualTo(yuv.get(i).pts());
            Agreement a = agreement(yuv.get(i).pixels(), rgb.get(i).rgb(), 1);
            assertThat(a.meanDiff).as("frame %d: mean |RGB - BT.601(YUV)|", i).isLessThan(1.5);
            assertThat(a.maxDiff).as("frame %d: largest difference", i).isLessThanOrEqualTo(8);
        }
    }

    @Test
    void clipBAt512InEveryFormatHasTheRightSizeAndYuvAndRgbAgree() throws Exception {
        List<byte[]> clipB = clip("clip-b-720p-h264-opus").subList(0, 2);
        Map<PixelFormat, List<VideoFrame>> frames = new EnumMap<>(PixelFormat.class);
        for (PixelFormat f : PixelFormat.values()) {
            List<VideoFrame> v = video(decode(decoder(f), clipB));
            assertThat(v).as("%s frames", f).hasSize(60);
            for (VideoFrame frame : v) {
                assertThat(frame.width()).isEqualTo(SIZE);
                assertThat(frame.height()).isEqualTo(SIZE);
                assertThat(frame.format()).isEqualTo(f.delivered());
                assertThat(frame.pixels()).hasSize(f.delivered().byteCount(SIZE, SIZE));
            }
            frames.put(f, v);
        }
        List<VideoFrame> yuv = frames.get(PixelFormat.YUV420P);
        List<VideoFrame> rgb = frames.get(PixelFormat.RGB24);
        for (int i = 0; i < 60; i += 15) {
            VideoFrame none = frames.get(PixelFormat.NONE).get(i);
            assertThat(none.pts()).isEqualTo(yuv.get(i).pts());
            assertThat(none.pixels()).isEqualTo(yuv.get(i).pixels());
            assertThat(rgb.get(i).pts()).isEqualTo(yuv.get(i).pts());
            // Every 4th pixel: swscale scales RGB's chroma on its own, so sharp colour edges of
            // the test pattern differ; everywhere else the two agree.
            Agreement a = agreement(yuv.get(i).pixels(), rgb.get(i).rgb(), 4);
            assertThat(a.meanDiff).as("frame %d: mean |RGB - BT.601(YUV)|", i).isLessThan(3.0);
            assertThat(a.within12)
                    .as("frame %d: share of pixels within 12 of each other", i)
                    .isGreaterThan(0.95);
        }
    }

    /**
     * GRAY8 is documented as the Y plane (limited range, as {@code Yuv.filled} makes it and as the
     * unscaled path copies it). A picture that has to be scaled goes through swscale, which takes
     * GRAY8 as full range: its grey must still be the YUV420P frame's Y plane.
     */
    @Test
    void gray8OfAScaledPictureIsTheYPlaneOfItsYuv420p() throws Exception {
        for (String prefix : List.of("clip-b-720p-h264-opus", "clip-d-256-hevc-aac")) {
            List<byte[]> seg = List.of(clip(prefix).get(0));
            List<VideoFrame> yuv = video(decode(decoder(PixelFormat.YUV420P), seg));
            List<VideoFrame> gray = video(decode(decoder(PixelFormat.GRAY8), seg));
            assertThat(gray).hasSameSizeAs(yuv);
            for (int i = 0; i < gray.size(); i += 10) {
                byte[] y = yuv.get(i).pixels();
                byte[] g = gray.get(i).pixels();
                assertThat(meanAbsDiff(y, g, 0, LUMA))
                        .as(
                                "%s frame %d: mean |GRAY8 - Y| (Y %d..%d, GRAY8 %d..%d)",
                                prefix, i, min(y, LUMA), max(y, LUMA), min(g, LUMA), max(g, LUMA))
                        .isLessThan(1.0);
            }
        }
    }

    private static int min(byte[] b, int n) {
        int m = 255;
        for (int i = 0; i < n; i++) {
            m = Math.min(m, b[i] & 0xff);
        }
        return m;
    }

    private static int max(byte[] b, int n) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, b[i] & 0xff);
        }
        return m;
    }

    /** How an RGB24 frame compares with its YUV420P frame converted by hand (BT.601). */
    private static final class Agreement {
        double meanDiff;
        int maxDiff;
        double within12;
    }

    private static Agreement agreement(byte[] yuv, byte[] rgb, int step) {
        Agreement a = new Agreement();
        long sum = 0;
        long n = 0;
        long close = 0;
        for (int y = 0; y < SIZE; y += step) {
            for (int x = 0; x < SIZE; x += step) {
                int[] expected = rgbOf(yuv, SIZE, SIZE, x, y);
                int worst = 0;
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(expected[c] - (rgb[(y * SIZE + x) * 3 + c] & 0xff));
                    sum += d;
                    worst = Math.max(worst, d);
                }
                a.maxDiff = Math.max(a.maxDiff, worst);
                close += worst <= 12 ? 1 : 0;
                n++;
            }
        }
        a.meanDiff = (double) sum / (3 * n);
        a.within12 = (double) close / n;
        return a;
    }
}
