package io.flinktrickle.processor.tensor;

import io.flinktrickle.connector.trickle.media.VideoFrame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

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

    private static int[] unsigned(byte[] b) {
        int[] u = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            u[i] = b[i] & 0xff;
        }
        return u;
    }
}
