package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@link PcmConverter} over FFmpeg's swresample (the native library JavaCV ships). */
class PcmConverterTest {

    @Test
    void stereoToMonoAtTheSameRateMixesBothChannelsSampleForSample() {
        try (PcmConverter c = new PcmConverter(48_000, 1)) {
            short[] in = new short[2 * 960];
            for (int i = 0; i < 960; i++) {
                in[2 * i] = 1000;
                in[2 * i + 1] = 3000;
            }
            short[] out = c.convert(in, in.length, 48_000, 2);
            assertThat(c.samples()).isEqualTo(960);
            for (int i = 0; i < 960; i++) {
                assertThat((int) out[i]).as("sample %d", i).isCloseTo(2000, within(2));
            }
            assertThat(c.drain()).as("nothing held without resampling").isNull();
        }
    }

    @Test
    void stereoToMonoKeepsEverySampleInPlaceAcrossCalls() {
        try (PcmConverter c = new PcmConverter(48_000, 1)) {
            int at = 0;
            for (int f = 0; f < 5; f++) {
                short[] in = tone(1024, 2, f * 1024L, 48_000);
                short[] out = c.convert(in, in.length, 48_000, 2);
                assertThat(c.samples()).isEqualTo(1024);
                for (int i = 0; i < 1024; i++, at++) {
                    assertThat((int) out[i]).as("sample %d", at).isCloseTo(in[2 * i], within(2));
                }
            }
        }
    }

    @Test
    void resamplingKeepsTheDurationAndARateChangeLosesNothing() {
        try (PcmConverter c = new PcmConverter(48_000, 1)) {
            long out = 0;
            for (int f = 0; f < 43; f++) { // 43 × 1024 samples at 44.1 kHz: 0.9985 s
                short[] in = tone(1024, 2, f * 1024, 44_100);
                c.convert(in, in.length, 44_100, 2);
                out += c.samples();
            }
            // then the source switches to 48 kHz mono: the 44.1 kHz tail comes out first
            for (int f = 0; f < 50; f++) {
                short[] in = tone(960, 1, f * 960, 48_000);
                c.convert(in, in.length, 48_000, 1);
                out += c.samples();
            }
            if (c.drain() != null) {
                out += c.samples();
            }
            long expected = Math.round(43 * 1024 * 48_000.0 / 44_100) + 50 * 960;
            assertThat(out).isCloseTo(expected, within(2L));
        }
    }

    @Test
    void aShortBufferIsConvertedUpToTheLengthGiven() {
        try (PcmConverter c = new PcmConverter(48_000, 2)) {
            short[] in = new short[4000];
            java.util.Arrays.fill(in, (short) 500);
            c.convert(in, 200, 48_000, 1); // 200 mono samples of the 4000
            assertThat(c.samples()).isEqualTo(200);
        }
    }

    private static short[] tone(int samples, int channels, long from, int rate) {
        short[] s = new short[samples * channels];
        for (int i = 0; i < samples; i++) {
            short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * (from + i) / rate));
            for (int ch = 0; ch < channels; ch++) {
                s[i * channels + ch] = v;
            }
        }
        return s;
    }
}
