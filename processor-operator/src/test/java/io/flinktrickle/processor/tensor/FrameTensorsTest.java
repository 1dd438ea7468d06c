package io.flinktrickle.processor.tensor;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link FrameTensors} on DJL's PyTorch CPU engine (offline, natives from the jar). */
class FrameTensorsTest {

    private static VideoFrame frame(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 7 + 3);
        }
        return new VideoFrame("s", 3000, 1, w, h, rgb, 0);
    }

    @Test
    void frameBecomesABatchedFloatTensorInZeroToOne() {
        VideoFrame f = frame(4, 2);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray t = FrameTensors.toTensor(f, m);
            assertThat(t.getShape()).isEqualTo(new Shape(1, 2, 4, 3));
            assertThat(t.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(t.getDevice()).isEqualTo(Device.cpu());
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                assertThat(v[i])
                        .isCloseTo(
                                (f.rgb()[i] & 0xff) / 255f,
                                org.assertj.core.data.Offset.offset(1e-6f));
            }
            NDArray u8 = FrameTensors.toUint8(f, m);
            assertThat(u8.getDataType()).isEqualTo(DataType.UINT8);
            assertThat(u8.toByteArray()).isEqualTo(f.rgb());
        }
    }

    @Test
    void roundTripIsExactAndKeepsTiming() {
        VideoFrame f = frame(16, 8);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray t = FrameTensors.toTensor(f, m);
            VideoFrame back = FrameTensors.toFrame(f, t);
            assertThat(back.rgb()).isEqualTo(f.rgb());
            assertThat(t.toFloatArray()).hasSize(16 * 8 * 3); // the caller's tensor is still alive
            NDArray hwc = FrameTensors.toHwcTensor(f, m);
            FrameTensors.toFrame(f, hwc);
            assertThat(hwc.getShape()).isEqualTo(new Shape(8, 16, 3));
            assertThat(hwc.toFloatArray()[0]).isEqualTo((f.rgb()[0] & 0xff) / 255f);
            assertThat(back.pts()).isEqualTo(f.pts());
            assertThat(back.streamKey()).isEqualTo("s");
            assertThat(FrameTensors.toFrame(f, FrameTensors.toUint8(f, m)).rgb())
                    .isEqualTo(f.rgb());
        }
    }

    @Test
    void pyTrickleOutputRulesApply() {
        VideoFrame like = frame(2, 1);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // values above 1: taken as 0..255, clamped and rounded
            NDArray big =
                    m.create(new float[] {300f, -5f, 127.6f, 10f, 20f, 30f}, new Shape(1, 2, 3));
            assertThat(unsigned(FrameTensors.toFrame(like, big).rgb()))
                    .containsExactly(255, 0, 128, 10, 20, 30);
            // values within [0, 1]: scaled by 255
            NDArray unit =
                    m.create(new float[] {1f, 0f, 0.5f, 0.25f, 0.75f, 0.1f}, new Shape(1, 1, 2, 3));
            assertThat(unsigned(FrameTensors.toFrame(like, unit).rgb()))
                    .containsExactly(255, 0, 128, 64, 191, 26);
            // grey expands to RGB, alpha is dropped, and the size follows the tensor
            NDArray grey = m.create(new float[] {0f, 1f}, new Shape(2, 1, 1));
            VideoFrame g = FrameTensors.toFrame(like, grey);
            assertThat(g.width()).isEqualTo(1);
            assertThat(g.height()).isEqualTo(2);
            assertThat(unsigned(g.rgb())).containsExactly(0, 0, 0, 255, 255, 255);
            NDArray rgba =
                    m.create(
                            new float[] {0.2f, 0.4f, 0.6f, 1f, 0f, 0f, 0f, 0f}, new Shape(1, 2, 4));
            assertThat(unsigned(FrameTensors.toFrame(like, rgba).rgb()))
                    .containsExactly(51, 102, 153, 0, 0, 0);
        }
    }

    @Test
    void badShapesAreRejected() {
        VideoFrame like = frame(2, 2);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertThatThrownBy(() -> FrameTensors.toFrame(like, m.zeros(new Shape(2, 2, 2, 3))))
                    .hasMessageContaining("one frame");
            assertThatThrownBy(() -> FrameTensors.toFrame(like, m.zeros(new Shape(2, 2, 2))))
                    .hasMessageContaining("1, 3 or 4 channels");
            assertThatThrownBy(() -> FrameTensors.toFrame(like, m.zeros(new Shape(4, 3))))
                    .hasMessageContaining("[1,H,W,C]");
        }
    }

    /** Colours of every kind: primaries, black, white, grey, mixed, and near the range's ends. */
    private static final int[][] COLOURS = {
        {0, 0, 0},
        {255, 255, 255},
        {128, 128, 128},
        {255, 0, 0},
        {0, 255, 0},
        {0, 0, 255},
        {255, 255, 0},
        {0, 255, 255},
        {255, 0, 255},
        {12, 200, 77},
        {200, 30, 140},
        {3, 250, 8},
    };

    private static final Offset<Float> TWO_LEVELS = Offset.offset(2f / 255);

    @Test
    void yuvFramesOfAKnownColourGiveItBackAsRgb() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int[] c : COLOURS) {
                VideoFrame f =
                        VideoFrame.builder(8, 6)
                                .format(PixelFormat.YUV420P)
                                .fill(c[0], c[1], c[2])
                                .build();
                NDArray t = FrameTensors.toTensor(f, m);
                assertThat(t.getShape()).isEqualTo(new Shape(1, 6, 8, 3));
                assertThat(t.getDataType()).isEqualTo(DataType.FLOAT32);
                assertEveryPixel(t.toFloatArray(), c, Arrays.toString(c));
                NDArray hwc = FrameTensors.toHwcTensor(f, m);
                assertThat(hwc.getShape()).isEqualTo(new Shape(6, 8, 3));
                assertEveryPixel(hwc.toFloatArray(), c, Arrays.toString(c));
                NDArray u8 = FrameTensors.toUint8(f, m);
                assertThat(u8.getShape()).isEqualTo(new Shape(6, 8, 3));
                assertThat(u8.getDataType()).isEqualTo(DataType.UINT8);
                int[] bytes = unsigned(u8.toByteArray());
                for (int i = 0; i < bytes.length; i++) {
                    assertThat(bytes[i]).as(Arrays.toString(c)).isCloseTo(c[i % 3], offset(2));
                }
            }
        }
    }

    @Test
    void yuvChromaCoversItsTwoByTwoBlockInTheRightPlace() {
        // A 4x4 YUV420P frame, its four 2x2 blocks of four colours: red, green / blue, white.
        int[][] blocks = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
        byte[][] filled = new byte[4][];
        for (int b = 0; b < 4; b++) {
            filled[b] =
                    VideoFrame.builder(4, 4)
                            .format(PixelFormat.YUV420P)
                            .fill(blocks[b][0], blocks[b][1], blocks[b][2])
                            .build()
                            .pixels();
        }
        byte[] yuv = new byte[24];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                yuv[y * 4 + x] = filled[(y / 2) * 2 + x / 2][0];
            }
        }
        for (int b = 0; b < 4; b++) {
            yuv[16 + b] = filled[b][16]; // U, 2x2, the blocks in raster order
            yuv[20 + b] = filled[b][20]; // V
        }
        VideoFrame f = VideoFrame.builder(4, 4).pixels(PixelFormat.YUV420P, yuv).build();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int[] rgb = unsigned(FrameTensors.toUint8(f, m).toByteArray());
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    int[] want = blocks[(y / 2) * 2 + x / 2];
                    for (int c = 0; c < 3; c++) {
                        assertThat(rgb[(y * 4 + x) * 3 + c])
                                .as("pixel (%d, %d) channel %d", x, y, c)
                                .isCloseTo(want[c], offset(2));
                    }
                }
            }
        }
    }

    @Test
    void grayFramesBecomeGreyInAllThreeChannels() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int[] c : COLOURS) {
                VideoFrame f =
                        VideoFrame.builder(4, 2)
                                .format(PixelFormat.GRAY8)
                                .fill(c[0], c[1], c[2])
                                .build();
                float luma = luma(c);
                NDArray t = FrameTensors.toTensor(f, m);
                assertThat(t.getShape()).isEqualTo(new Shape(1, 2, 4, 3));
                NDArray hwc = FrameTensors.toHwcTensor(f, m);
                assertThat(hwc.getShape()).isEqualTo(new Shape(2, 4, 3));
                for (float[] v : List.of(t.toFloatArray(), hwc.toFloatArray())) {
                    for (float x : v) {
                        assertThat(x).as(Arrays.toString(c)).isCloseTo(luma, TWO_LEVELS);
                    }
                }
                NDArray u8 = FrameTensors.toUint8(f, m);
                assertThat(u8.getShape()).isEqualTo(new Shape(2, 4, 3));
                for (int v : unsigned(u8.toByteArray())) {
                    assertThat(v).isCloseTo(Math.round(luma * 255), offset(2));
                }
            }
        }
    }

    @Test
    void lumaTensorIsTheSameInEveryFormat() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int[] c : COLOURS) {
                for (PixelFormat format :
                        List.of(PixelFormat.RGB24, PixelFormat.YUV420P, PixelFormat.GRAY8)) {
                    VideoFrame f =
                            VideoFrame.builder(6, 4).format(format).fill(c[0], c[1], c[2]).build();
                    NDArray luma = FrameTensors.toLumaTensor(f, m);
                    assertThat(luma.getShape()).isEqualTo(new Shape(4, 6, 1));
                    assertThat(luma.getDataType()).isEqualTo(DataType.FLOAT32);
                    for (float v : luma.toFloatArray()) {
                        assertThat(v)
                                .as("%s %s", format, Arrays.toString(c))
                                .isCloseTo(luma(c), TWO_LEVELS);
                    }
                }
            }
            // Limited range: footroom and headroom clamp to 0 and 1; pixels keep their place.
            byte[] y = new byte[] {0, 16, (byte) 235, (byte) 255, (byte) 126, 50};
            VideoFrame gray = VideoFrame.builder(3, 2).pixels(PixelFormat.GRAY8, y).build();
            assertThat(FrameTensors.toLumaTensor(gray, m).toFloatArray())
                    .containsExactly(
                            new float[] {0f, 0f, 1f, 1f, 110f / 219, 34f / 219},
                            Offset.offset(1e-6f));
        }
    }

    @Test
    void yuvPlanesAreTheFramesBytesAsTheyAre() {
        byte[] yuv = new byte[8 * 4 * 3 / 2];
        for (int i = 0; i < yuv.length; i++) {
            yuv[i] = (byte) (i * 5 + 1);
        }
        VideoFrame f = VideoFrame.builder(8, 4).pixels(PixelFormat.YUV420P, yuv).build();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDList planes = FrameTensors.toYuvPlanes(f, m);
            assertThat(planes).hasSize(3);
            assertThat(planes.get(0).getShape()).isEqualTo(new Shape(4, 8));
            assertThat(planes.get(1).getShape()).isEqualTo(new Shape(2, 4));
            assertThat(planes.get(2).getShape()).isEqualTo(new Shape(2, 4));
            for (NDArray p : planes) {
                assertThat(p.getDataType()).isEqualTo(DataType.UINT8);
            }
            assertThat(planes.get(0).toByteArray()).isEqualTo(Arrays.copyOfRange(yuv, 0, 32));
            assertThat(planes.get(1).toByteArray()).isEqualTo(Arrays.copyOfRange(yuv, 32, 40));
            assertThat(planes.get(2).toByteArray()).isEqualTo(Arrays.copyOfRange(yuv, 40, 48));
            for (PixelFormat other : List.of(PixelFormat.RGB24, PixelFormat.GRAY8)) {
                VideoFrame o = VideoFrame.builder(8, 4).format(other).build();
                assertThatThrownBy(() -> FrameTensors.toYuvPlanes(o, m))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(other.name());
            }
        }
    }

    @Test
    void framesBackFromTensorsAreRgbWhateverTheInputFormat() {
        for (PixelFormat format : List.of(PixelFormat.YUV420P, PixelFormat.GRAY8)) {
            VideoFrame f =
                    VideoFrame.builder(4, 2)
                            .format(format)
                            .fill(90, 90, 90)
                            .pts(4500)
                            .keyframe(true)
                            .streamKey("k")
                            .build();
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                VideoFrame back = FrameTensors.toFrame(f, FrameTensors.toTensor(f, m));
                assertThat(back.format()).isEqualTo(PixelFormat.RGB24);
                assertThat(back.width()).isEqualTo(4);
                assertThat(back.height()).isEqualTo(2);
                assertThat(back.pts()).isEqualTo(4500);
                assertThat(back.keyframe()).isTrue();
                assertThat(back.streamKey()).isEqualTo("k");
                for (int v : unsigned(back.rgb())) {
                    assertThat(v).isCloseTo(90, offset(2));
                }
            }
        }
    }

    /**
     * Real decoded video: the tensor of the decoder's YUV420P frame is the decoder's own RGB24
     * frame (swscale's conversion) up to rounding.
     */
    @Test
    void decodedYuvFramesGiveTheDecodersRgb() throws Exception {
        List<VideoFrame> rgb = decodeFirstSegment(PixelFormat.RGB24);
        List<VideoFrame> yuv = decodeFirstSegment(PixelFormat.YUV420P);
        assertThat(yuv).hasSameSizeAs(rgb).hasSizeGreaterThan(30);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int i : new int[] {0, 17, 45}) {
                assertThat(yuv.get(i).format()).isEqualTo(PixelFormat.YUV420P);
                assertThat(yuv.get(i).pts()).isEqualTo(rgb.get(i).pts());
                int[] ours = unsigned(FrameTensors.toUint8(yuv.get(i), m).toByteArray());
                int[] theirs = unsigned(rgb.get(i).rgb());
                long sum = 0;
                int far = 0;
                for (int k = 0; k < ours.length; k++) {
                    int d = Math.abs(ours[k] - theirs[k]);
                    sum += d;
                    if (d > 3) {
                        far++;
                    }
                }
                double mean = (double) sum / ours.length;
                assertThat(mean).as("mean difference, frame %d", i).isLessThan(1.0);
                assertThat(far)
                        .as("bytes more than 3 apart, frame %d", i)
                        .isLessThan(ours.length / 100);
            }
        }
    }

    private static List<VideoFrame> decodeFirstSegment(PixelFormat format) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder()
                        .pixelFormat(format)
                        .maxFramerate(0)
                        .audio(false)
                        .build()
                        .open("a")) {
            d.decode(
                    new SegmentInfo("a", 0, "video/MP2T", 0),
                    new ByteArrayInputStream(TestMedia.read(TestMedia.clipA().get(0))),
                    frames::add);
            d.endOfStream(frames::add);
        }
        List<VideoFrame> video = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                video.add((VideoFrame) f);
            }
        }
        return video;
    }

    /** BT.601 luma of an RGB colour, 0–1. */
    private static float luma(int[] c) {
        return (0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2]) / 255;
    }

    private static void assertEveryPixel(float[] v, int[] c, String what) {
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).as(what).isCloseTo(c[i % 3] / 255f, TWO_LEVELS);
        }
    }

    private static Offset<Integer> offset(int v) {
        return Offset.offset(v);
    }

    private static int[] unsigned(byte[] b) {
        int[] u = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            u[i] = b[i] & 0xff;
        }
        return u;
    }
}
