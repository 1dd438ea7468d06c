package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pixel values through the decoder and the encoder in each {@link PixelFormat}. GRAY8 is the Y
 * plane, limited range (16–235) as H.264 carries it: the decoder must give the same values whether
 * it copies the plane or has to scale, and the encoder must put them back as they are, with neutral
 * chroma. Also: a stream of small segments (a still picture at a low bitrate) is decoded.
 *
 * <p>Three of these fail on the code of 38e0bde (bugs in the decoder, the pixel copier and the
 * encoder, reported to their owner); the others are their controls.
 */
class PixelFormatRangeITCase {

    private static final Offset<Double> TWO = Offset.offset(2.0);

    /** Control: clip A is 512x512, so its Y plane is copied out of FFmpeg as it is. */
    @Test
    void grayFramesAreTheLumaPlaneWhenTheDecoderCopiesIt() throws Exception {
        assertGrayIsLuma(List.of(TestMedia.read(TestMedia.clipA().get(0))));
    }

    /**
     * Clip C is 854x480: scaled and cropped to 512x512 by swscale, which takes GRAY8 as full range
     * (0–255) and stretches the luma, unlike the copied plane (fails on 38e0bde: mean |GRAY8 - Y|
     * is 9 levels, mean 129.1 against 126.9).
     */
    @Test
    void grayFramesAreTheLumaPlaneWhenTheDecoderScales() throws Exception {
        assertGrayIsLuma(
                List.of(TestMedia.read(TestMedia.segments("clip-c-480p-h264-noaudio").get(0))));
    }

    private static void assertGrayIsLuma(List<byte[]> segments) throws Exception {
        List<VideoFrame> yuv = decode(segments, PixelFormat.YUV420P, 512, 512);
        List<VideoFrame> gray = decode(segments, PixelFormat.GRAY8, 512, 512);
        assertThat(gray).hasSameSizeAs(yuv).isNotEmpty();
        for (int i = 0; i < yuv.size(); i += 10) {
            assertThat(gray.get(i).format()).isEqualTo(PixelFormat.GRAY8);
            assertThat(yuv.get(i).format()).isEqualTo(PixelFormat.YUV420P);
            byte[] y = yuv.get(i).pixels();
            byte[] g = gray.get(i).pixels();
            long sum = 0;
            for (int k = 0; k < g.length; k++) {
                sum += Math.abs((g[k] & 0xff) - (y[k] & 0xff));
            }
            assertThat((double) sum / g.length)
                    .as(
                            "mean |GRAY8 - Y| of frame %d (Y mean %.1f, GRAY8 mean %.1f)",
                            i, mean(y, 0, g.length), mean(g, 0, g.length))
                    .isLessThan(1.0);
        }
    }

    /**
     * A GRAY8 frame is encoded as its Y plane with neutral chroma. Fails on 38e0bde: the encoder
     * hands GRAY8 to swscale, which takes it as full range and squeezes it into 16–235 a second
     * time (black, Y 16, comes out as 30; white, 235, as 218).
     */
    @Test
    void grayFramesAreEncodedWithTheirLumaAsItIs() throws Exception {
        for (int[] c : new int[][] {{0, 0, 0}, {255, 255, 255}, {128, 128, 128}}) {
            int y = Yuv.y(c[0], c[1], c[2]);
            VideoFrame out = roundTrip(PixelFormat.GRAY8, c);
            assertThat(mean(out.pixels(), 0, 64 * 64)).as("Y of GRAY8 %d", y).isCloseTo(y, TWO);
            assertThat(mean(out.pixels(), 64 * 64, 32 * 32)).as("U").isCloseTo(128, TWO);
            assertThat(mean(out.pixels(), 64 * 64 + 32 * 32, 32 * 32)).as("V").isCloseTo(128, TWO);
        }
    }

    /** Control: RGB24 and YUV420P frames of a colour come out as that colour's Y, U and V. */
    @Test
    void rgbAndYuvFramesAreEncodedAsTheirColour() throws Exception {
        for (PixelFormat format : List.of(PixelFormat.RGB24, PixelFormat.YUV420P)) {
            for (int[] c : new int[][] {{0, 0, 0}, {255, 255, 255}, {200, 30, 140}}) {
                VideoFrame out = roundTrip(format, c);
                String what = format + " " + java.util.Arrays.toString(c);
                assertThat(mean(out.pixels(), 0, 64 * 64))
                        .as("Y of %s", what)
                        .isCloseTo(Yuv.y(c[0], c[1], c[2]), TWO);
                assertThat(mean(out.pixels(), 64 * 64, 32 * 32))
                        .as("U of %s", what)
                        .isCloseTo(Yuv.u(c[0], c[1], c[2]), TWO);
                assertThat(mean(out.pixels(), 64 * 64 + 32 * 32, 32 * 32))
                        .as("V of %s", what)
                        .isCloseTo(Yuv.v(c[0], c[1], c[2]), TWO);
            }
        }
    }

    /**
     * A still picture at a low bitrate makes small segments. Fails on 38e0bde: FFmpeg's MPEG-TS
     * demuxer reads up to 8 KiB (its packet-size probe) before the stream opens, so a segment
     * smaller than that ends before the grabber has started; the decoder takes it as "no MPEG-TS
     * stream FFmpeg can open", drops the grabber, and starts afresh at the next segment, which is
     * as small: only the last segment, which the stream's end lets FFmpeg open, is decoded (15
     * frames of 60). The same bytes as one stream with an end decode fine.
     */
    @Test
    void aStreamOfSmallSegmentsIsDecoded() throws Exception {
        List<Frame> in = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            in.add(
                    VideoFrame.builder(64, 64)
                            .fill(40, 90, 200)
                            .pts(9000 + i * 3000L)
                            .keyframe(i % 15 == 0)
                            .build());
        }
        List<byte[]> segments =
                MediaSupport.encode(
                        in, MpegTsFrameEncoder.builder().audio(false).gopSeconds(0.5).build());
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
        assertThat(segments).allMatch(s -> s.length < 8192, "segments under 8 KiB");
        List<VideoFrame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder()
                        .size(64, 64)
                        .maxFramerate(0)
                        .audio(false)
                        .build()
                        .open("s")) {
            for (int i = 0; i < segments.size(); i++) {
                try {
                    d.decode(
                            new SegmentInfo("s", i, "video/MP2T", 0),
                            new ByteArrayInputStream(segments.get(i)),
                            f -> {
                                if (f instanceof VideoFrame) {
                                    frames.add((VideoFrame) f);
                                }
                            });
                } catch (IOException failed) {
                    // counted by the decoder; a live stream goes on with the next segment
                }
                assertJavaCvStartLockIsFree(i);
            }
            d.endOfStream(
                    f -> {
                        if (f instanceof VideoFrame) {
                            frames.add((VideoFrame) f);
                        }
                    });
        }
        assertThat(frames.size()).as("frames decoded of 60").isGreaterThanOrEqualTo(55);
    }

    /**
     * Between segments no grabber waits inside FFmpeg's probing: JavaCV starts and releases every
     * grabber and recorder under one JVM-wide lock ({@code avcodec.class}), and a grabber left
     * waiting there for the next segment (2 s on a live stream) would hold up every other stream's
     * start and stop.
     */
    private static void assertJavaCvStartLockIsFree(int segment) throws InterruptedException {
        Thread other =
                new Thread(
                        () -> {
                            synchronized (org.bytedeco.ffmpeg.global.avcodec.class) {
                                // what another stream's grabber.start() takes
                            }
                        });
        other.start();
        other.join(2_000);
        assertThat(other.isAlive())
                .as("JavaCV's start lock is held after segment %d was decoded", segment)
                .isFalse();
    }

    /** 45 frames (1.5 s, enough bytes to open) of one colour, encoded, then decoded as YUV420P. */
    private static VideoFrame roundTrip(PixelFormat format, int[] c) throws IOException {
        List<Frame> in = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            in.add(
                    VideoFrame.builder(64, 64)
                            .format(format)
                            .fill(c[0], c[1], c[2])
                            .pts(9000 + i * 3000L)
                            .build());
        }
        List<byte[]> segments =
                MediaSupport.encode(in, MpegTsFrameEncoder.builder().audio(false).build());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] s : segments) {
            all.write(s);
        }
        List<VideoFrame> back = decode(List.of(all.toByteArray()), PixelFormat.YUV420P, 64, 64);
        assertThat(back).hasSizeGreaterThan(40);
        return back.get(back.size() / 2);
    }

    private static double mean(byte[] b, int from, int n) {
        long s = 0;
        for (int i = from; i < from + n; i++) {
            s += b[i] & 0xff;
        }
        return (double) s / n;
    }

    private static List<VideoFrame> decode(List<byte[]> segments, PixelFormat f, int w, int h)
            throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder()
                        .size(w, h)
                        .pixelFormat(f)
                        .maxFramerate(0)
                        .audio(false)
                        .build()
                        .open("s")) {
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        new SegmentInfo("s", i, "video/MP2T", 0),
                        new ByteArrayInputStream(segments.get(i)),
                        frames::add);
            }
            d.endOfStream(frames::add);
        }
        List<VideoFrame> v = new ArrayList<>();
        for (Frame x : frames) {
            if (x instanceof VideoFrame) {
                v.add((VideoFrame) x);
            }
        }
        return v;
    }
}
