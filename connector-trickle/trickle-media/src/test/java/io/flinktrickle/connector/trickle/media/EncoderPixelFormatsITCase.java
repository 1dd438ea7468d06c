package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.flinktrickle.connector.trickle.media.MediaSupport.clip;
import static io.flinktrickle.connector.trickle.media.MediaSupport.concat;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decoder;
import static io.flinktrickle.connector.trickle.media.MediaSupport.encode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.mean;
import static io.flinktrickle.connector.trickle.media.MediaSupport.meanAbsDiff;
import static io.flinktrickle.connector.trickle.media.MediaSupport.video;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MpegTsFrameEncoder} takes frames in every {@link PixelFormat}: encoded, then decoded back
 * as YUV420P, the picture is the one that went in.
 */
class EncoderPixelFormatsITCase {

    private static final int SIZE = 512;
    private static final int LUMA = SIZE * SIZE;

    private static final MpegTsFrameEncoder VIDEO_ONLY =
            MpegTsFrameEncoder.builder().audio(false).build();

    /** The frames encoded, then decoded back (YUV420P, every frame). */
    private static List<VideoFrame> roundTrip(List<VideoFrame> frames) throws Exception {
        List<byte[]> segments = encode(frames, VIDEO_ONLY);
        return video(decode(decoder(PixelFormat.YUV420P), List.of(concat(segments))));
    }

    /** The first second of clip A, decoded in {@code format}. */
    private static List<VideoFrame> clipA(PixelFormat format) throws Exception {
        List<byte[]> seg = List.of(clip("clip-a-512-h264-aac").get(0));
        return video(decode(decoder(format), seg)).subList(0, 30);
    }

    @Test
    void yuv420pAndRgb24FramesComeBackAsTheyWent() throws Exception {
        List<VideoFrame> reference = clipA(PixelFormat.YUV420P);
        for (PixelFormat format : List.of(PixelFormat.YUV420P, PixelFormat.RGB24)) {
            List<VideoFrame> in = clipA(format);
            List<VideoFrame> back = roundTrip(in);
            assertThat(back).as("%s frames back", format).hasSize(30);
            for (int i = 0; i < 30; i += 7) {
                assertThat(back.get(i).pts()).isEqualTo(in.get(i).pts());
                byte[] ref = reference.get(i).pixels();
                byte[] b = back.get(i).pixels();
                assertThat(meanAbsDiff(ref, b, 0, LUMA))
                        .as("%s frame %d: mean |Y back - Y in|", format, i)
                        .isLessThan(1.5);
                assertThat(meanAbsDiff(ref, b, LUMA, ref.length))
                        .as("%s frame %d: mean |UV back - UV in|", format, i)
                        .isLessThan(2.5);
            }
        }
    }

    @Test
    void framesOfEachFormatInOneStreamAllComeBack() throws Exception {
        List<VideoFrame> yuv = clipA(PixelFormat.YUV420P);
        List<VideoFrame> rgb = clipA(PixelFormat.RGB24);
        List<VideoFrame> mixed = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // YUV420P, RGB24, YUV420P, ...: the format may change from one frame to the next
            mixed.add(i % 2 == 0 ? yuv.get(i) : rgb.get(i));
        }
        List<VideoFrame> back = roundTrip(mixed);
        assertThat(back).hasSize(30);
        for (int i = 0; i < 30; i++) {
            assertThat(back.get(i).pts()).isEqualTo(yuv.get(i).pts());
            assertThat(meanAbsDiff(yuv.get(i).pixels(), back.get(i).pixels(), 0, LUMA))
                    .as("frame %d (%s): mean |Y back - Y in|", i, mixed.get(i).format())
                    .isLessThan(1.5);
        }
    }

    @Test
    void flatColoursOfRgbAndYuvFramesComeBack() throws Exception {
        int[] colour = {200, 60, 30};
        for (PixelFormat format : List.of(PixelFormat.RGB24, PixelFormat.YUV420P)) {
            List<VideoFrame> in = flat(format, colour[0], colour[1], colour[2]);
            List<VideoFrame> back = roundTrip(in);
            assertThat(back).hasSize(in.size());
            byte[] b = back.get(back.size() - 1).pixels();
            assertThat(mean(b, 0, LUMA)).as("%s Y", format).isCloseTo(Yuv.y(200, 60, 30), off(1));
            assertThat(mean(b, LUMA, LUMA * 5 / 4))
                    .as("%s U", format)
                    .isCloseTo(Yuv.u(200, 60, 30), off(1));
            assertThat(mean(b, LUMA * 5 / 4, b.length))
                    .as("%s V", format)
                    .isCloseTo(Yuv.v(200, 60, 30), off(1));
        }
    }

    /**
     * A GRAY8 frame is limited-range luma (PixelFormat: "the Y plane alone"; {@code Yuv.filled}
     * makes black 16 and white 235), and is encoded with neutral chroma: its Y must come back as it
     * went, not be squeezed as if it were full range.
     */
    @Test
    void gray8FramesComeBackWithTheirLevelsAndNeutralChroma() throws Exception {
        for (int[] c : new int[][] {{0, 0, 0}, {255, 255, 255}, {200, 60, 30}}) {
            List<VideoFrame> back = roundTrip(flat(PixelFormat.GRAY8, c[0], c[1], c[2]));
            byte[] b = back.get(back.size() - 1).pixels();
            int y = Yuv.y(c[0], c[1], c[2]);
            assertThat(mean(b, LUMA, b.length)).as("chroma of grey").isCloseTo(128, off(1));
            assertThat(mean(b, 0, LUMA))
                    .as("Y of a GRAY8 frame of Y %d, encoded and decoded", y)
                    .isCloseTo(y, off(1.5));
        }
        // The decoder's GRAY8 (clip A's own Y plane) comes back as the YUV420P frame's Y.
        List<VideoFrame> reference = clipA(PixelFormat.YUV420P);
        List<VideoFrame> back = roundTrip(clipA(PixelFormat.GRAY8));
        assertThat(back).hasSize(30);
        for (int i = 0; i < 30; i += 7) {
            assertThat(meanAbsDiff(reference.get(i).pixels(), back.get(i).pixels(), 0, LUMA))
                    .as("GRAY8 frame %d: mean |Y back - Y in|", i)
                    .isLessThan(1.5);
        }
    }

    /** One second of frames of one colour, 30 fps from pts 90 000. */
    private static List<VideoFrame> flat(PixelFormat format, int r, int g, int b) {
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            frames.add(
                    VideoFrame.builder(SIZE, SIZE)
                            .format(format)
                            .fill(r, g, b)
                            .pts(90_000 + 3000L * i)
                            .keyframe(i == 0)
                            .build());
        }
        return frames;
    }

    private static org.assertj.core.data.Offset<Double> off(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
