package io.flinktrickle.processor.tensor;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for the batch conversions of {@link FrameTensors} (DJL's PyTorch CPU engine). */
class FrameBatchesTest {
    private static final int W = 6;
    private static final int H = 4;

    /** A frame of stream {@code key} whose bytes follow {@code seed}, in {@code format}. */
    private static VideoFrame frame(String key, long pts, int seed, PixelFormat format) {
        int size =
                format == PixelFormat.RGB24
                        ? W * H * 3
                        : format == PixelFormat.GRAY8 ? W * H : W * H * 3 / 2;
        byte[] pixels = new byte[size];
        for (int i = 0; i < size; i++) {
            pixels[i] = (byte) (i * seed + 11);
        }
        return new VideoFrame(key, pts, 1, W, H, new byte[W * H * 3], 0)
                .withPixels(format, W, H, pixels);
    }

    private static List<VideoFrame> mixedFormats() {
        return List.of(
                frame("a", 3000, 7, PixelFormat.RGB24),
                frame("b", 6000, 13, PixelFormat.YUV420P),
                frame("c", 9000, 5, PixelFormat.GRAY8));
    }

    @Test
    void aBatchIsOneTensorHoldingEachFramesOwnTensor() {
        List<VideoFrame> frames = mixedFormats();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray nhwc = FrameTensors.toBatchTensor(frames, m);
            assertThat(nhwc.getShape()).isEqualTo(new Shape(3, H, W, 3));
            assertThat(nhwc.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(nhwc.getDevice()).isEqualTo(Device.cpu());
            NDArray nchw = FrameTensors.toBatchNchwTensor(frames, m);
            assertThat(nchw.getShape()).isEqualTo(new Shape(3, 3, H, W));
            for (int n = 0; n < frames.size(); n++) {
                float[] single = FrameTensors.toHwcTensor(frames.get(n), m).toFloatArray();
                assertThat(nhwc.get(new NDIndex(n)).toFloatArray())
                        .as("frame %s in NHWC", n)
                        .containsExactly(single);
                assertThat(nchw.get(new NDIndex(n)).transpose(1, 2, 0).toFloatArray())
                        .as("frame %s in NCHW", n)
                        .containsExactly(single);
            }
        }
    }

    @Test
    void framesComeBackFromABatchWithTheirStreamAndTiming() {
        List<VideoFrame> frames = mixedFormats();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<VideoFrame> back =
                    FrameTensors.toFrames(frames, FrameTensors.toBatchTensor(frames, m));
            List<VideoFrame> backNchw =
                    FrameTensors.toFramesFromNchw(
                            frames, FrameTensors.toBatchNchwTensor(frames, m));
            for (int n = 0; n < frames.size(); n++) {
                VideoFrame f = frames.get(n);
                byte[] rgb = FrameTensors.rgbBytes(f);
                for (VideoFrame b : List.of(back.get(n), backNchw.get(n))) {
                    assertThat(b.format()).isEqualTo(PixelFormat.RGB24);
                    assertThat(b.streamKey()).isEqualTo(f.streamKey());
                    assertThat(b.pts()).isEqualTo(f.pts());
                    assertThat(b.rgb()).as("frame %s exact", n).isEqualTo(rgb);
                }
            }
        }
    }

    @Test
    void eachFrameOfABatchFollowsTheSingleFrameRules() {
        List<VideoFrame> like = mixedFormats();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // Frame 0 in [0, 1] (scaled by 255), frame 1 in [0, 255] (as it is), frame 2 clamped.
            float[] values = new float[3 * H * W * 4];
            for (int i = 0; i < values.length; i++) {
                int n = i / (H * W * 4);
                float v = (i % 97) / 96f;
                values[i] = n == 0 ? v : n == 1 ? v * 255f : v * 600f - 100f;
            }
            NDArray rgba = m.create(values, new Shape(3, H, W, 4));
            List<VideoFrame> batch = FrameTensors.toFrames(like, rgba);
            NDArray grey = rgba.get(new NDIndex(":, :, :, 0:1"));
            List<VideoFrame> greyBatch = FrameTensors.toFrames(like, grey);
            NDArray bytes = rgba.clip(0f, 255f).toType(DataType.UINT8, false);
            List<VideoFrame> byteBatch = FrameTensors.toFrames(like, bytes);
            for (int n = 0; n < 3; n++) {
                NDArray one = rgba.get(new NDIndex(n));
                assertThat(batch.get(n).rgb())
                        .as("RGBA frame %s", n)
                        .isEqualTo(FrameTensors.toFrame(like.get(n), one).rgb());
                assertThat(greyBatch.get(n).rgb())
                        .as("grey frame %s", n)
                        .isEqualTo(
                                FrameTensors.toFrame(like.get(n), grey.get(new NDIndex(n))).rgb());
                assertThat(byteBatch.get(n).rgb())
                        .as("uint8 frame %s", n)
                        .isEqualTo(
                                FrameTensors.toFrame(like.get(n), bytes.get(new NDIndex(n))).rgb());
            }
        }
    }

    @Test
    void badBatchesAreRefused() {
        List<VideoFrame> frames = mixedFormats();
        VideoFrame other = new VideoFrame("d", 0, 1, 2, 2, new byte[12], 0);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertThatThrownBy(() -> FrameTensors.toBatchTensor(List.of(), m))
                    .hasMessageContaining("at least one frame");
            assertThatThrownBy(() -> FrameTensors.toBatchTensor(List.of(frames.get(0), other), m))
                    .hasMessageContaining("2x2 is not 6x4");
            NDArray batch = FrameTensors.toBatchTensor(frames, m);
            assertThatThrownBy(() -> FrameTensors.toFrames(frames.subList(0, 2), batch))
                    .hasMessageContaining("a batch of 2 frames");
            assertThatThrownBy(() -> FrameTensors.toFrames(frames, batch.get(new NDIndex(0))))
                    .hasMessageContaining("[3, H, W, C]");
            assertThatThrownBy(
                            () ->
                                    FrameTensors.toFrames(
                                            frames, batch.get(new NDIndex(":, :, :, 0:2"))))
                    .hasMessageContaining("1, 3 or 4 channels, not 2");
        }
    }
}
