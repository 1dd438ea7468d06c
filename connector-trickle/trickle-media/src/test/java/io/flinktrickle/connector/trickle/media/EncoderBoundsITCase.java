package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.media.MediaSupport.Probe;
import io.flinktrickle.connector.trickle.media.MediaSupport.Segments;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.flinktrickle.connector.trickle.media.MediaSupport.concat;
import static io.flinktrickle.connector.trickle.media.MediaSupport.encode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.probe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The encoder with input it cannot start on or that never lets it start: what it holds stays
 * bounded, it says why once, and it writes again as soon as the input allows. And 44.1 kHz audio
 * keeps its clock over a long stream.
 */
class EncoderBoundsITCase {

    private static final long START = 90_000;
    private static final long FRAME = 3_000; // 30 fps in the 90 kHz clock

    @Test
    void videoOfASizeX264RefusesIsDroppedAfterOneErrorAndTheNextSizeIsEncoded() throws Exception {
        Segments out = new Segments();
        try (MpegTsChannelEncoder e =
                (MpegTsChannelEncoder)
                        MpegTsFrameEncoder.builder().audio(false).build().open("odd")) {
            // 4:2:0 needs even sizes: x264 refuses 65 × 64.
            assertThatThrownBy(() -> e.encode(frame(65, 64, 0), out))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("65x64");
            assertThat(e.heldFrames()).as("nothing held after the refusal").isZero();
            for (int i = 1; i < 200; i++) {
                e.encode(frame(65, 64, i), out); // dropped, no exception per frame
                assertThat(e.heldFrames()).isZero();
            }
            for (int i = 200; i < 260; i++) {
                e.encode(frame(64, 64, i), out);
            }
            e.finish(out);
            out.endSegment();
        }
        List<byte[]> segments = new ArrayList<>();
        out.done.forEach(b -> segments.add(b.toByteArray()));
        Probe p = probe(concat(segments));
        assertThat(p.videoPts).as("the even-sized frames, all of them").hasSize(60);
        assertThat(p.firstVideoPts()).isEqualTo(START + 200 * FRAME);
    }

    @Test
    void greyFramesOfOddSizeMidStreamAreScaledToTheStreamsSize() throws Exception {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int size = i < 30 ? 64 : 63;
            frames.add(
                    VideoFrame.builder(size, size)
                            .format(PixelFormat.GRAY8)
                            .fill(i * 4, i * 4, i * 4)
                            .pts(START + i * FRAME)
                            .build());
        }
        Probe p = probe(concat(encode(frames, MpegTsFrameEncoder.builder().audio(false).build())));
        assertThat(p.videoPts).hasSize(60);
    }

    @Test
    void videoWhosePtsNeverAdvanceIsNotHeldBeyondTheCapWaitingForAudio() throws Exception {
        Segments out = new Segments();
        try (MpegTsChannelEncoder e =
                (MpegTsChannelEncoder) MpegTsFrameEncoder.builder().build().open("stuck")) {
            for (int i = 0; i < 500; i++) {
                e.encode(
                        VideoFrame.builder(64, 64)
                                .format(PixelFormat.YUV420P)
                                .fill(90, 90, 90)
                                .pts(START)
                                .build(),
                        out);
                assertThat(e.heldFrames()).isLessThan(StartHold.MAX_VIDEO);
            }
            e.finish(out);
            out.endSegment();
        }
        Probe p = probe(out.done.get(0).toByteArray());
        assertThat(p.videoPts).as("one frame: a repeated pts is not encoded again").hasSize(1);
        assertThat(p.audioPts).as("no audio came: no audio track").isEmpty();
    }

    @Test
    void audioWithoutVideoWhosePtsNeverAdvanceIsHeldUpToTheCap() throws Exception {
        try (MpegTsChannelEncoder e =
                (MpegTsChannelEncoder) MpegTsFrameEncoder.builder().build().open("audio")) {
            Segments out = new Segments();
            for (int i = 0; i < 2_000; i++) {
                e.encode(AudioFrame.builder(48_000, 2).pts(START).build(), out);
            }
            assertThat(e.heldFrames()).isEqualTo(StartHold.MAX_AUDIO);
            e.finish(out);
            assertThat(out.done).as("no video, nothing to write").isEmpty();
        }
    }

    @Test
    void audioAt44kHzKeepsItsClockOverAMinute() throws Exception {
        // 60 s of 44.1 kHz AAC-sized frames (1024 samples, pts as a demuxer rounds them) next to
        // 30 fps video: the audio written must end where the input's does, with no silence
        // added on the way (counting 48 kHz samples without the remainder drifted 0.5 ms a second,
        // and a 20 ms hole was then filled with silence about every 40 s).
        int rate = 44_100;
        int samples = 1024;
        List<Frame> frames = new ArrayList<>();
        int a = 0;
        long lastAudio = 0;
        for (int i = 0; i < 60 * 30; i++) {
            long videoPts = START + i * FRAME;
            long audioPts;
            while ((audioPts = START + (long) a * samples * Frame.TIME_BASE / rate) < videoPts) {
                frames.add(
                        AudioFrame.builder(rate, 2)
                                .samples(tone(a, samples, rate))
                                .pts(audioPts)
                                .build());
                lastAudio = audioPts;
                a++;
            }
            frames.add(frame(64, 64, i));
        }
        Probe p =
                probe(
                        concat(
                                encode(
                                        frames,
                                        MpegTsFrameEncoder.builder().opusComplexity(0).build())));
        long inEnd = lastAudio + samples * Frame.TIME_BASE / rate;
        long outEnd = p.audioPts.get(p.audioPts.size() - 1) + Frame.TIME_BASE / 50;
        assertThat(outEnd - inEnd)
                .as("output audio end minus input audio end, in 90 kHz ticks")
                .isBetween(-Frame.TIME_BASE / 50, Frame.TIME_BASE / 50);
        for (int i = 1; i < p.audioPts.size(); i++) {
            assertThat(p.audioPts.get(i) - p.audioPts.get(i - 1))
                    .as("audio pts step %d", i)
                    .isEqualTo(Frame.TIME_BASE / 50);
        }
    }

    private static VideoFrame frame(int w, int h, int i) {
        return VideoFrame.builder(w, h).fill(i % 256, 100, 50).pts(START + i * FRAME).build();
    }

    /** A 440 Hz tone, stereo, continuing from frame {@code index}. */
    private static short[] tone(int index, int samples, int rate) {
        short[] s = new short[samples * 2];
        for (int k = 0; k < samples; k++) {
            long t = (long) index * samples + k;
            short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * t / rate));
            s[2 * k] = v;
            s[2 * k + 1] = v;
        }
        return s;
    }
}
