package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MpegTsFrameDecoder} on the real test clips, with FFmpeg's natives. */
class MpegTsFrameDecoderITCase {

    private static SegmentInfo info(long seq) {
        return new SegmentInfo("s", seq, "video/MP2T", System.currentTimeMillis());
    }

    /** Decodes whole segment files as one stream, then ends it. */
    private static List<Frame> decodeAll(MpegTsFrameDecoder decoder, List<Path> segments)
            throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open("s")) {
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        info(i),
                        new ByteArrayInputStream(TestMedia.read(segments.get(i))),
                        frames::add);
            }
            d.endOfStream(frames::add);
        }
        return frames;
    }

    private static List<VideoFrame> video(List<Frame> frames) {
        List<VideoFrame> v = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                v.add((VideoFrame) f);
            }
        }
        return v;
    }

    private static List<AudioFrame> audio(List<Frame> frames) {
        List<AudioFrame> a = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof AudioFrame) {
                a.add((AudioFrame) f);
            }
        }
        return a;
    }

    @Test
    void clipADecodesEveryFrameWithContinuousTimestampsAndStereoAudio() throws IOException {
        List<Frame> frames =
                decodeAll(MpegTsFrameDecoder.builder().maxFramerate(0).build(), TestMedia.clipA());
        List<VideoFrame> v = video(frames);
        assertThat(v).hasSize(300);
        for (int i = 1; i < v.size(); i++) {
            assertThat(v.get(i).pts() - v.get(i - 1).pts())
                    .as("pts step at frame %d", i)
                    .isEqualTo(3000);
        }
        assertThat(v.get(0).width()).isEqualTo(512);
        assertThat(v.get(0).height()).isEqualTo(512);
        List<AudioFrame> a = audio(frames);
        assertThat(a).isNotEmpty();
        assertThat(a.get(0).sampleRate()).isEqualTo(48_000);
        assertThat(a.get(0).channels()).isEqualTo(2);
        for (int i = 1; i < a.size(); i++) {
            // 1024 AAC samples at 48 kHz = 1920 ticks: every audio frame has its own timestamp
            assertThat(a.get(i).pts() - a.get(i - 1).pts())
                    .as("audio pts step at %d", i)
                    .isEqualTo(1920);
        }
        long samples = a.stream().mapToLong(AudioFrame::sampleCount).sum();
        assertThat(samples)
                .isBetween(470_000L, 490_000L); // 10 s at 48 kHz, give or take codec delay
    }

    @Test
    void frameRateCapKeepsFourOfEveryFiveFramesAt24Fps() throws IOException {
        List<VideoFrame> v =
                video(
                        decodeAll(
                                MpegTsFrameDecoder.builder().maxFramerate(24).audio(false).build(),
                                TestMedia.clipA()));
        assertThat(v.size()).isBetween(238, 242);
        assertThat(v.stream().mapToInt(VideoFrame::skipped).sum()).isEqualTo(300 - v.size());
    }

    @Test
    void clipBIs720pWithOpusInOneSecondSegments() throws IOException {
        List<Frame> frames =
                decodeAll(
                        MpegTsFrameDecoder.builder().maxFramerate(0).build(),
                        TestMedia.segments("clip-b-720p-h264-opus"));
        assertThat(video(frames)).hasSize(180);
        List<AudioFrame> a = audio(frames);
        assertThat(a).isNotEmpty();
        assertThat(a.get(0).sampleRate()).isEqualTo(48_000);
        assertThat(a.get(0).channels()).isEqualTo(1);
    }

    @Test
    void clipCIsScaledAndCentreCroppedTo512() throws IOException {
        List<Path> clipC = TestMedia.segments("clip-c-480p-h264-noaudio");
        List<Frame> cropped =
                decodeAll(MpegTsFrameDecoder.builder().maxFramerate(0).build(), clipC);
        List<Frame> nativeSize =
                decodeAll(
                        MpegTsFrameDecoder.builder().size(854, 480).maxFramerate(0).build(), clipC);
        assertThat(audio(cropped)).isEmpty();
        List<VideoFrame> v = video(cropped);
        List<VideoFrame> n = video(nativeSize);
        assertThat(v).hasSize(100);
        assertThat(n).hasSize(100);
        for (int i = 1; i < v.size(); i++) {
            assertThat(v.get(i).pts() - v.get(i - 1).pts()).isEqualTo(3600); // 25 fps
        }
        // 854x480 scaled to 911x512 keeps columns 187..667 of the original: same picture content.
        for (int i : new int[] {0, 50, 99}) {
            double[] ours = meanRgb(v.get(i).rgb(), 512, 0, 0, 512, 512);
            double[] expected = meanRgb(n.get(i).rgb(), 854, 187, 0, 480, 480);
            for (int c = 0; c < 3; c++) {
                assertThat(ours[c])
                        .as("frame %d channel %d", i, c)
                        .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(4.0));
            }
            // A stretched (not cropped) picture would show the whole width instead:
            double[] whole = meanRgb(n.get(i).rgb(), 854, 0, 0, 854, 480);
            assertThat(
                            Math.abs(whole[0] - ours[0])
                                    + Math.abs(whole[1] - ours[1])
                                    + Math.abs(whole[2] - ours[2]))
                    .isGreaterThan(
                            Math.abs(expected[0] - ours[0])
                                    + Math.abs(expected[1] - ours[1])
                                    + Math.abs(expected[2] - ours[2]));
        }
    }

    @Test
    void garbageIsRejectedAndTheNextSegmentDecodes() throws IOException {
        byte[] garbage = new byte[200_000];
        new Random(7).nextBytes(garbage);
        List<Path> clipA = TestMedia.clipA();
        List<Frame> frames = new ArrayList<>();
        MpegTsChannelDecoder d =
                (MpegTsChannelDecoder)
                        MpegTsFrameDecoder.builder().maxFramerate(0).build().open("s");
        try (d) {
            assertThatThrownBy(
                            () -> d.decode(info(0), new ByteArrayInputStream(garbage), frames::add))
                    .isInstanceOf(IOException.class);
            assertThat(frames).isEmpty();
            d.decode(info(1), new ByteArrayInputStream(TestMedia.read(clipA.get(1))), frames::add);
            d.decode(info(2), new ByteArrayInputStream(TestMedia.read(clipA.get(2))), frames::add);
            d.endOfStream(frames::add);
        }
        assertThat(video(frames)).hasSize(120);
        assertThat(d.failures()).isEqualTo(1);
    }

    @Test
    void truncatedSegmentThenAFreshOneRecoversAtItsKeyframe() throws IOException {
        List<Path> clipA = TestMedia.clipA();
        byte[] seg1 = TestMedia.read(clipA.get(1));
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("s")) {
            d.decode(info(0), new ByteArrayInputStream(TestMedia.read(clipA.get(0))), frames::add);
            d.decode(
                    info(1),
                    new ByteArrayInputStream(Arrays.copyOf(seg1, seg1.length / 2)),
                    frames::add);
            d.discontinuity(); // what the source does after a body that failed mid-way
            int before = video(frames).size();
            d.decode(info(2), new ByteArrayInputStream(TestMedia.read(clipA.get(2))), frames::add);
            d.endOfStream(frames::add);
            List<VideoFrame> v = video(frames);
            assertThat(v.size() - before).isEqualTo(60);
            // After the restart, timestamps continue from segment 2's own.
            assertThat(v.get(v.size() - 1).pts() - v.get(before).pts()).isEqualTo(59 * 3000);
        }
    }

    @Test
    void aSegmentOfAnotherStreamSplicedInDoesNotBreakTheDecoder() throws IOException {
        List<Path> clipA = TestMedia.clipA();
        List<Path> clipC = TestMedia.segments("clip-c-480p-h264-noaudio");
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("s")) {
            d.decode(info(0), new ByteArrayInputStream(TestMedia.read(clipA.get(0))), frames::add);
            try {
                // another stream (other size, no audio, other timestamps) in the middle
                d.decode(
                        info(1),
                        new ByteArrayInputStream(TestMedia.read(clipC.get(0))),
                        frames::add);
            } catch (IOException clearError) {
                assertThat(clearError.getMessage()).isNotBlank();
            }
            int before = video(frames).size();
            d.decode(info(2), new ByteArrayInputStream(TestMedia.read(clipA.get(2))), frames::add);
            d.endOfStream(frames::add);
            // whatever the splice did, the stream goes on with the next segment's frames
            assertThat(video(frames).size() - before).isGreaterThanOrEqualTo(55);
            assertThat(video(frames)).allMatch(v -> v.width() == 512 && v.height() == 512);
        }
    }

    @Test
    void framesLeaveWhileThePublisherStalls() throws Exception {
        byte[] seg = TestMedia.read(TestMedia.clipA().get(0));
        long[] stallEnd = new long[1];
        // Half the segment, then nothing for 1.5 s, then the rest.
        InputStream stalling =
                new InputStream() {
                    int pos;

                    @Override
                    public int read() {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (pos >= seg.length) {
                            return -1;
                        }
                        if (pos == seg.length / 2 && stallEnd[0] == 0) {
                            try {
                                Thread.sleep(1_500);
                            } catch (InterruptedException e) {
                                throw new java.io.InterruptedIOException();
                            }
                            stallEnd[0] = System.nanoTime();
                        }
                        int limit = pos < seg.length / 2 ? seg.length / 2 : seg.length;
                        int n = Math.min(len, limit - pos);
                        System.arraycopy(seg, pos, b, off, n);
                        pos += n;
                        return n;
                    }
                };
        List<Long> arrivals = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("s")) {
            d.decode(
                    info(0),
                    stalling,
                    f -> {
                        if (f.isVideo()) {
                            arrivals.add(System.nanoTime());
                        }
                    });
        }
        long beforeStallEnd = arrivals.stream().filter(t -> t < stallEnd[0]).count();
        assertThat(beforeStallEnd)
                .as("frames handed out during the stall")
                .isGreaterThanOrEqualTo(20);
    }

    /**
     * A consumer slower than the tail's stall timeout (a downstream under backpressure) gets every
     * frame: only time without a frame handed out counts as FFmpeg stalling.
     */
    @Test
    void aSlowConsumerAtTheSegmentsTailIsNotAStall() throws Exception {
        List<Path> clipA = TestMedia.clipA();
        List<Frame> frames = new ArrayList<>();
        Consumer<Frame> slow =
                f -> {
                    try {
                        // A segment's 60 video frames and its audio frames: about 3 s each,
                        // all of it after the segment's last byte (the pipe takes it whole).
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    frames.add(f);
                };
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("s")) {
            // Well below a segment's 3 s, well above a frame's decoding on a busy machine.
            ((MpegTsChannelDecoder) d).drainTimeout(1_000);
            for (int i = 0; i < 2; i++) {
                d.decode(info(i), new ByteArrayInputStream(TestMedia.read(clipA.get(i))), slow);
            }
            d.endOfStream(slow);
            assertThat(((MpegTsChannelDecoder) d).failures()).isZero();
        }
        assertThat(video(frames)).hasSize(120);
        assertThat(frames).noneMatch(f -> f instanceof ControlFrame);
    }

    @Test
    void aChannelThatIsNotMpegTsIsRefusedUpFront() {
        SegmentDecoder.ChannelDecoder<Frame> d = MpegTsFrameDecoder.builder().build().open("s");
        assertThatThrownBy(
                        () ->
                                d.decode(
                                        new SegmentInfo("s", 0, "application/json", 0),
                                        new ByteArrayInputStream("{}".getBytes()),
                                        f -> {}))
                .hasMessageContaining("not MPEG-TS");
    }

    @Test
    void liveBytesDecodeAsTheyArrive() throws Exception {
        byte[] seg = TestMedia.read(TestMedia.clipA().get(0));
        List<Long> arrival = new ArrayList<>();
        long[] firstByteAt = new long[1];
        // A body that delivers the segment in real time over 2 s, 7 TS packets per read.
        InputStream paced =
                new InputStream() {
                    int pos;
                    final long start = System.nanoTime();

                    @Override
                    public int read() {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (pos >= seg.length) {
                            return -1;
                        }
                        long due = start + 2_000_000_000L * pos / seg.length;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            try {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        if (pos == 0) {
                            firstByteAt[0] = System.nanoTime();
                        }
                        int n = Math.min(Math.min(len, 188 * 7), seg.length - pos);
                        System.arraycopy(seg, pos, b, off, n);
                        pos += n;
                        return n;
                    }
                };
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("s")) {
            d.decode(
                    info(0),
                    paced,
                    f -> {
                        if (f instanceof VideoFrame) {
                            arrival.add(System.nanoTime());
                        }
                    });
        }
        double firstFrameMs = (arrival.get(0) - firstByteAt[0]) / 1e6;
        System.out.printf(
                "live decode: first frame %.1f ms after the segment's first byte; %d frames while"
                        + " the 2 s segment streamed%n",
                firstFrameMs, arrival.size());
        // All but the last frames, which the demuxer holds until the next segment's bytes arrive.
        assertThat(arrival.size()).isGreaterThanOrEqualTo(55);
        assertThat(firstFrameMs).isLessThan(500);
    }

    private static double[] meanRgb(byte[] rgb, int stride, int x0, int y0, int w, int h) {
        double[] sum = new double[3];
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                int p = (y * stride + x) * 3;
                for (int c = 0; c < 3; c++) {
                    sum[c] += rgb[p + c] & 0xff;
                }
            }
        }
        for (int c = 0; c < 3; c++) {
            sum[c] /= (double) w * h;
        }
        return sum;
    }
}
