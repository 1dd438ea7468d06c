package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link VideoFrame} and {@link PixelFormat}: layouts, checks, the builder, the copies. */
class VideoFrameTest {

    private static VideoFrame frame(PixelFormat format, int w, int h, byte[] pixels) {
        return new VideoFrame("s", 10, 20, format, w, h, pixels, 0);
    }

    @Test
    void eachFormatHasItsByteCount() {
        assertThat(PixelFormat.RGB24.byteCount(4, 2)).isEqualTo(24);
        assertThat(PixelFormat.YUV420P.byteCount(4, 2)).isEqualTo(12); // 8 Y + 2 U + 2 V
        assertThat(PixelFormat.GRAY8.byteCount(4, 2)).isEqualTo(8);
        assertThat(PixelFormat.YUV420P.byteCount(512, 512)).isEqualTo(393_216);
        assertThatThrownBy(() -> PixelFormat.NONE.byteCount(4, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NONE");
        assertThat(PixelFormat.NONE.delivered()).isEqualTo(PixelFormat.YUV420P);
        for (PixelFormat f : new PixelFormat[] {PixelFormat.RGB24, PixelFormat.YUV420P}) {
            assertThat(f.delivered()).isEqualTo(f);
        }
        assertThat(PixelFormat.GRAY8.delivered()).isEqualTo(PixelFormat.GRAY8);
    }

    @Test
    void theDataMustHaveTheFormatsLength() {
        assertThatThrownBy(() -> frame(PixelFormat.RGB24, 4, 4, new byte[16]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RGB24")
                .hasMessageContaining("48 bytes but is 16");
        assertThatThrownBy(() -> frame(PixelFormat.YUV420P, 4, 4, new byte[48]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("YUV420P")
                .hasMessageContaining("24 bytes but is 48");
        assertThatThrownBy(() -> frame(PixelFormat.GRAY8, 4, 4, new byte[24]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GRAY8")
                .hasMessageContaining("16 bytes but is 24");
        assertThat(frame(PixelFormat.RGB24, 4, 4, new byte[48]).pixels()).hasSize(48);
        assertThat(frame(PixelFormat.YUV420P, 4, 4, new byte[24]).pixels()).hasSize(24);
        assertThat(frame(PixelFormat.GRAY8, 4, 4, new byte[16]).pixels()).hasSize(16);
    }

    @Test
    void aYuvFrameHasAnEvenSizeAndNoFrameIsOfFormatNone() {
        assertThatThrownBy(() -> frame(PixelFormat.YUV420P, 3, 4, new byte[18]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("even size")
                .hasMessageContaining("3x4");
        assertThatThrownBy(() -> frame(PixelFormat.YUV420P, 4, 5, new byte[30]))
                .hasMessageContaining("even size");
        assertThatThrownBy(() -> VideoFrame.builder(5, 5).format(PixelFormat.YUV420P).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("even size");
        // RGB24 and GRAY8 take any size
        assertThat(frame(PixelFormat.GRAY8, 3, 5, new byte[15]).width()).isEqualTo(3);
        assertThat(VideoFrame.builder(3, 5).format(PixelFormat.RGB24).build().pixels()).hasSize(45);
        assertThatThrownBy(() -> frame(PixelFormat.NONE, 4, 4, new byte[24]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NONE");
        assertThatThrownBy(() -> VideoFrame.builder(4, 4).format(PixelFormat.NONE).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixel format");
        assertThatThrownBy(() -> frame(PixelFormat.GRAY8, 0, 4, new byte[0]))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> frame(null, 4, 4, new byte[16]))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void rgbIsOnlyForRgbFrames() {
        byte[] rgb = new byte[12];
        assertThat(frame(PixelFormat.RGB24, 2, 2, rgb).rgb()).isSameAs(rgb);
        for (PixelFormat f : new PixelFormat[] {PixelFormat.YUV420P, PixelFormat.GRAY8}) {
            VideoFrame v = frame(f, 2, 2, new byte[f.byteCount(2, 2)]);
            assertThatThrownBy(v::rgb)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(f.name())
                    .hasMessageContaining("pixels()");
            assertThat(v.pixels()).hasSize(f.byteCount(2, 2));
        }
    }

    @Test
    void theBuilderFillsEachFormatWithBt601LimitedRange() {
        // black: Y 16, U V 128
        byte[] black = VideoFrame.builder(4, 2).format(PixelFormat.YUV420P).build().pixels();
        assertThat(black).containsExactly(16, 16, 16, 16, 16, 16, 16, 16, 128, 128, 128, 128);
        assertThat(VideoFrame.builder(2, 2).format(PixelFormat.GRAY8).build().pixels())
                .containsExactly(16, 16, 16, 16);
        assertThat(VideoFrame.builder(2, 1).build().pixels()).containsExactly(0, 0, 0, 0, 0, 0);
        // white: Y 235
        VideoFrame white =
                VideoFrame.builder(2, 2).format(PixelFormat.YUV420P).fill(255, 255, 255).build();
        assertThat(white.pixels()).containsExactly(235, 235, 235, 235, 128, 128);
        // red: Y 81, U 90, V 240 (BT.601)
        VideoFrame red =
                VideoFrame.builder(2, 2).format(PixelFormat.YUV420P).fill(255, 0, 0).build();
        assertThat(red.pixels()).containsExactly(81, 81, 81, 81, 90, (byte) 240);
        assertThat(
                        VideoFrame.builder(2, 2)
                                .format(PixelFormat.GRAY8)
                                .fill(255, 0, 0)
                                .build()
                                .pixels())
                .containsExactly(81, 81, 81, 81);
        VideoFrame rgb = VideoFrame.builder(2, 1).fill(1, 2, 3).build();
        assertThat(rgb.format()).isEqualTo(PixelFormat.RGB24);
        assertThat(rgb.rgb()).containsExactly(1, 2, 3, 1, 2, 3);
        // Changing the format drops pixels of the old one: a black frame of the new.
        VideoFrame changed =
                VideoFrame.builder(2, 2).fill(255, 255, 255).format(PixelFormat.GRAY8).build();
        assertThat(changed.pixels()).containsExactly(16, 16, 16, 16);
        // Setting the same format again keeps them.
        VideoFrame same =
                VideoFrame.builder(2, 2)
                        .format(PixelFormat.GRAY8)
                        .fill(255, 255, 255)
                        .format(PixelFormat.GRAY8)
                        .build();
        assertThat(same.pixels()).containsExactly(235, 235, 235, 235);
        byte[] given = new byte[6];
        VideoFrame taken = VideoFrame.builder(2, 2).pixels(PixelFormat.YUV420P, given).build();
        assertThat(taken.pixels()).isSameAs(given);
        assertThat(taken.format()).isEqualTo(PixelFormat.YUV420P);
        assertThatThrownBy(() -> VideoFrame.builder(2, 2).fill(256, 0, 0))
                .hasMessageContaining("r must be 0-255");
    }

    @Test
    void theBuilderSetsTheKeyframeAndTheOtherFields() {
        VideoFrame v =
                VideoFrame.builder(2, 2)
                        .streamKey("k")
                        .pts(99)
                        .arrivalMillis(7)
                        .skipped(2)
                        .keyframe(true)
                        .format(PixelFormat.GRAY8)
                        .build();
        assertThat(v.streamKey()).isEqualTo("k");
        assertThat(v.pts()).isEqualTo(99);
        assertThat(v.arrivalMillis()).isEqualTo(7);
        assertThat(v.skipped()).isEqualTo(2);
        assertThat(v.keyframe()).isTrue();
        assertThat(VideoFrame.builder(2, 2).build().keyframe()).isFalse();
        assertThat(new VideoFrame("s", 0, 0, 2, 2, new byte[12], 0).keyframe()).isFalse();
    }

    @Test
    void equalsTakesFormatAndKeyframeIntoAccount() {
        VideoFrame a = frame(PixelFormat.GRAY8, 4, 2, new byte[8]);
        VideoFrame b = frame(PixelFormat.GRAY8, 4, 2, new byte[8]);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.withKeyframe(true)).isNotEqualTo(a);
        assertThat(a.withKeyframe(true)).isEqualTo(b.withKeyframe(true));
        assertThat(a.withKeyframe(true).withKeyframe(false)).isEqualTo(a);
        // The same 12 bytes: a 4x2 YUV420P frame is not a 2x2 RGB24 one, nor a 4x3 GRAY8 one.
        byte[] twelve = new byte[12];
        VideoFrame yuv = frame(PixelFormat.YUV420P, 4, 2, twelve);
        assertThat(yuv).isNotEqualTo(frame(PixelFormat.RGB24, 2, 2, twelve));
        assertThat(yuv).isNotEqualTo(frame(PixelFormat.GRAY8, 4, 3, twelve));
        assertThat(yuv)
                .isNotEqualTo(
                        frame(
                                PixelFormat.YUV420P,
                                4,
                                2,
                                new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        assertThat(yuv.toString()).contains("YUV420P");
        assertThat(frame(PixelFormat.RGB24, 2, 2, twelve).toString()).doesNotContain("RGB");
    }

    @Test
    void copiesKeepKeyframeFormatAndTiming() {
        VideoFrame k =
                new VideoFrame("s", 7, 8, PixelFormat.YUV420P, 4, 2, new byte[12], 3)
                        .withKeyframe(true);
        VideoFrame rgb = k.withPixels(2, 2, new byte[12]);
        assertThat(rgb.format()).isEqualTo(PixelFormat.RGB24);
        assertThat(rgb.keyframe()).isTrue();
        assertThat(rgb.pts()).isEqualTo(7);
        assertThat(rgb.arrivalMillis()).isEqualTo(8);
        assertThat(rgb.skipped()).isEqualTo(3);
        VideoFrame gray = k.withPixels(PixelFormat.GRAY8, 6, 2, new byte[12]);
        assertThat(gray.format()).isEqualTo(PixelFormat.GRAY8);
        assertThat(gray.width()).isEqualTo(6);
        assertThat(gray.keyframe()).isTrue();
        assertThat(gray.streamKey()).isEqualTo("s");
        assertThatThrownBy(() -> k.withPixels(PixelFormat.YUV420P, 4, 2, new byte[24]))
                .hasMessageContaining("12 bytes");
        assertThat(k.withPts(100).keyframe()).isTrue();
        assertThat(k.withPts(100).format()).isEqualTo(PixelFormat.YUV420P);
        assertThat(k.withPts(100).pts()).isEqualTo(100);
        assertThat(k.withSkipped(9).keyframe()).isTrue();
        assertThat(k.withSkipped(9).format()).isEqualTo(PixelFormat.YUV420P);
        assertThat(k.withSkipped(9).skipped()).isEqualTo(9);
        assertThat(k.withKeyframe(false).format()).isEqualTo(PixelFormat.YUV420P);
        assertThat(k.withKeyframe(false).pixels()).isSameAs(k.pixels());
    }

    @Test
    void indexOfPointsAtAPixelsFirstByteInEachFormat() {
        VideoFrame rgb = frame(PixelFormat.RGB24, 4, 2, new byte[24]);
        VideoFrame yuv = frame(PixelFormat.YUV420P, 4, 2, new byte[12]);
        VideoFrame gray = frame(PixelFormat.GRAY8, 4, 2, new byte[8]);
        assertThat(rgb.indexOf(3, 1)).isEqualTo(21);
        assertThat(yuv.indexOf(3, 1)).isEqualTo(7);
        assertThat(gray.indexOf(3, 1)).isEqualTo(7);
        assertThatThrownBy(() -> yuv.indexOf(4, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> gray.indexOf(0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void formatCodesAreFixedAndNoneHasNoFrameCode() {
        assertThat(PixelFormat.RGB24.code()).isEqualTo((byte) 1);
        assertThat(PixelFormat.YUV420P.code()).isEqualTo((byte) 2);
        assertThat(PixelFormat.GRAY8.code()).isEqualTo((byte) 3);
        for (PixelFormat f :
                new PixelFormat[] {PixelFormat.RGB24, PixelFormat.YUV420P, PixelFormat.GRAY8}) {
            assertThat(PixelFormat.ofCode(f.code())).isEqualTo(f);
        }
        assertThat(PixelFormat.ofCode(PixelFormat.NONE.code())).isNull();
        assertThat(PixelFormat.ofCode((byte) 42)).isNull();
    }
}
