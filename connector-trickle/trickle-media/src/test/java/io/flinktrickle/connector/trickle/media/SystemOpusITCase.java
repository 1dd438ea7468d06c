package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.flinktrickle.connector.trickle.media.MediaSupport.Probe;
import static io.flinktrickle.connector.trickle.media.MediaSupport.audio;
import static io.flinktrickle.connector.trickle.media.MediaSupport.clip;
import static io.flinktrickle.connector.trickle.media.MediaSupport.concat;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decoder;
import static io.flinktrickle.connector.trickle.media.MediaSupport.encode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.probe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Opus track by the machine's libopus ({@link SystemOpus}) against the one by JavaCV's own
 * encoder: the same packets at the same pts (sample for sample where nothing is converted), the
 * same loudness where stereo is mixed down, and the audio where the input has it. The machine must
 * have libopus ({@code libopus0}; {@code .ci/run} installs it).
 */
class SystemOpusITCase {

    /** The libopus inside JavaCV 1.5.14's FFmpeg build. */
    private static final String JAVACV_LIBOPUS = "libopus 1.3.1";

    private static List<Frame> clipA;

    @BeforeAll
    static void decodeClipA() throws Exception {
        assertThat(LibOpus.get())
                .as("the system's libopus (Debian's libopus0, which .ci/run installs)")
                .isNotNull();
        clipA = decode(decoder(PixelFormat.NONE), clip("clip-a-512-h264-aac"));
    }

    @Test
    void aStreamsTrackIsOnTheSystemLibopusUnlessTurnedOff() throws Exception {
        for (boolean system : new boolean[] {true, false}) {
            MpegTsFrameEncoder settings =
                    MpegTsFrameEncoder.builder().systemLibopus(system).build();
            MpegTsChannelEncoder e = (MpegTsChannelEncoder) settings.open("s-out");
            MediaSupport.Segments out = new MediaSupport.Segments();
            try {
                for (Frame f : clipA.subList(0, 120)) {
                    e.encode(f, out);
                }
                assertThat(e.systemLibopus())
                        .as("system libopus asked: %s", system)
                        .isEqualTo(system);
                e.finish(out);
            } finally {
                e.close();
            }
        }
    }

    @Test
    void withoutConversionItWritesThePacketsJavaCvsEncoderWrites() throws Exception {
        // Clip A is 48 kHz stereo: as stereo output no sample is converted on either path.
        byte[] system =
                concat(encode(clipA, MpegTsFrameEncoder.builder().audioChannels(2).build()));
        byte[] javacv =
                concat(
                        encode(
                                clipA,
                                MpegTsFrameEncoder.builder()
                                        .audioChannels(2)
                                        .systemLibopus(false)
                                        .build()));
        Probe s = probe(system);
        Probe j = probe(javacv);
        assertThat(s.audioCodec).isEqualTo("opus");
        assertThat(s.audioPts).as("audio packet pts").isEqualTo(j.audioPts);
        assertThat(s.videoPts).isEqualTo(j.videoPts);
        // 10 s of clip A's audio in 20 ms packets, and the flush of libopus's lookahead
        assertThat(s.audioPts.size()).isBetween(495, 505);
        short[] a = pcm(system);
        assertThat(rms(a)).as("clip A's audio is not silence").isGreaterThan(1000);
        if (LibOpus.get().opus_get_version_string().equals(JAVACV_LIBOPUS)) {
            assertThat(a).as("decoded audio, sample for sample").isEqualTo(pcm(javacv));
        } else { // another libopus encodes differently: the same sound, not the same bits
            assertSameLoudness(a, pcm(javacv));
        }
    }

    @Test
    void downmixedClipAHasJavaCvsPacketsPtsAndLoudness() throws Exception {
        byte[] system = concat(encode(clipA, MpegTsFrameEncoder.builder().build()));
        byte[] javacv =
                concat(encode(clipA, MpegTsFrameEncoder.builder().systemLibopus(false).build()));
        Probe s = probe(system);
        assertThat(s.audioPts).as("audio packet pts").isEqualTo(probe(javacv).audioPts);
        assertSameLoudness(pcm(system), pcm(javacv));
    }

    private static void assertSameLoudness(short[] pcm, short[] reference) {
        double[] a = loudness(pcm);
        double[] b = loudness(reference);
        assertThat(a).hasSameSizeAs(b);
        for (int k = 0; k < a.length; k++) {
            assertThat(a[k])
                    .as("loudness of 20 ms block %d", k)
                    .isCloseTo(b[k], within(0.1 * b[k] + 50));
        }
    }

    @Test
    void aDownmixedClickComesOutWhereTheInputHasIt() throws Exception {
        // 3 s of silence with 10 ms of noise at 1 s, stereo in, mono out: JavaCV's own conversion
        // puts it 65 samples (1.4 ms) early; the system path's is where the input has it.
        long start = Frame.TIME_BASE;
        int rate = SystemOpus.RATE;
        Random noise = new Random(1);
        List<Frame> frames = new ArrayList<>();
        int a = 0;
        for (int i = 0; i < 90; i++) {
            long videoPts = start + i * Frame.TIME_BASE / 30;
            long audioPts;
            while ((audioPts = start + a * 960L * Frame.TIME_BASE / rate) < videoPts) {
                short[] x = new short[960 * 2];
                for (int k = 0; k < 960; k++) {
                    long t = (long) a * 960 + k;
                    short v =
                            t >= rate && t < rate + 480 ? (short) (noise.nextGaussian() * 8000) : 0;
                    x[2 * k] = v;
                    x[2 * k + 1] = v;
                }
                frames.add(AudioFrame.builder(rate, 2).samples(x).pts(audioPts).build());
                a++;
            }
            frames.add(VideoFrame.builder(64, 64).fill(i, 100, 50).pts(videoPts).build());
        }
        byte[] ts = concat(encode(frames, MpegTsFrameEncoder.builder().build()));
        List<AudioFrame> out = audio(decode(decoder(PixelFormat.NONE), List.of(ts)));
        short[] pcm = pcm(ts);
        int i = 0;
        while (i < pcm.length && Math.abs(pcm[i]) < 1500) {
            i++;
        }
        double onset = (out.get(0).pts() - start) / (double) Frame.TIME_BASE + i / (double) rate;
        assertThat(onset).as("the click's time in the output (s)").isCloseTo(1.0, within(0.0005));
    }

    @Test
    void aTrackWhoseAudioWasAllDroppedEndsWithoutAPacket() throws Exception {
        // Audio 5 s ahead of the video opens the track, and is then dropped as out of place
        // (more than 2 s from the video): the end flushes nothing, and the video is whole.
        long start = Frame.TIME_BASE;
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            long videoPts = start + i * Frame.TIME_BASE / 30;
            frames.add(
                    AudioFrame.builder(SystemOpus.RATE, 2)
                            .samples(new short[960 * 2])
                            .pts(videoPts + 5 * Frame.TIME_BASE)
                            .build());
            frames.add(VideoFrame.builder(64, 64).fill(i, 100, 50).pts(videoPts).build());
        }
        Probe p = probe(concat(encode(frames, MpegTsFrameEncoder.builder().build())));
        assertThat(p.audioCodec).isEqualTo("opus");
        assertThat(p.audioPts).isEmpty();
        assertThat(p.videoPts).hasSize(60);
    }

    private static double rms(short[] x) {
        double sum = 0;
        for (short v : x) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum / x.length);
    }

    /** RMS of each 20 ms block. */
    private static double[] loudness(short[] x) {
        double[] e = new double[x.length / SystemOpus.FRAME];
        for (int k = 0; k < e.length; k++) {
            e[k] = rms(Arrays.copyOfRange(x, k * SystemOpus.FRAME, (k + 1) * SystemOpus.FRAME));
        }
        return e;
    }

    /** The output's audio, decoded by our decoder: interleaved samples, in order. */
    private static short[] pcm(byte[] ts) throws Exception {
        List<AudioFrame> frames = audio(decode(decoder(PixelFormat.NONE), List.of(ts)));
        int n = 0;
        for (AudioFrame f : frames) {
            n += f.samples().length;
        }
        short[] all = new short[n];
        int at = 0;
        for (AudioFrame f : frames) {
            System.arraycopy(f.samples(), 0, all, at, f.samples().length);
            at += f.samples().length;
        }
        return all;
    }
}
