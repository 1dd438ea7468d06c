package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.sink.SegmentEncoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MpegTsFrameEncoder}: decode → encode → decode of the real clips, with FFmpeg. */
class MpegTsFrameEncoderITCase {

    private static List<Frame> decode(List<byte[]> segments, int maxFramerate) throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(maxFramerate).build().open("s")) {
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        new SegmentInfo("s", i, "video/MP2T", 0),
                        new ByteArrayInputStream(segments.get(i)),
                        frames::add);
            }
            d.endOfStream(frames::add);
        }
        return frames;
    }

    private static List<VideoFrame> video(List<Frame> frames) {
        List<VideoFrame> v = new ArrayList<>();
        frames.forEach(
                f -> {
                    if (f instanceof VideoFrame) {
                        v.add((VideoFrame) f);
                    }
                });
        return v;
    }

    private static List<byte[]> encode(
            List<Frame> frames, MpegTsFrameEncoder encoder, List<Long> bytesAtFirstFrame)
            throws IOException {
        MediaSupport.Segments out = new MediaSupport.Segments();
        try (SegmentEncoder.ChannelEncoder<Frame> e = encoder.open("s-out")) {
            int segmentsBefore = 0;
            for (Frame f : frames) {
                e.encode(f, out);
                if (f instanceof VideoFrame
                        && out.done.size() + 1 > segmentsBefore
                        && out.open != null) {
                    // The first frame of a new segment is already in its bytes.
                    bytesAtFirstFrame.add((long) out.open.size());
                    segmentsBefore = out.done.size() + 1;
                }
            }
            e.finish(out);
            out.endSegment();
        }
        List<byte[]> result = new ArrayList<>();
        out.done.forEach(b -> result.add(b.toByteArray()));
        return result;
    }

    @Test
    void roundTripKeepsFramesTimestampsAndPictureWithOneIdrSegmentPerGop() throws Exception {
        List<byte[]> input = clipABytes();
        List<Frame> original = decode(input, 0);
        List<Long> firstBytes = new ArrayList<>();
        List<byte[]> segments = encode(original, MpegTsFrameEncoder.builder().build(), firstBytes);

        // One segment per 2 s of video, each streamed while it was being written.
        assertThat(segments).hasSize(5);
        assertThat(firstBytes).hasSize(5).allMatch(n -> n > 0);
        for (byte[] seg : segments) {
            assertThat(seg[0]).isEqualTo((byte) 0x47);
            assertThat(firstPacketPids(seg)).as("PAT before the first video packet").contains(0);
            List<VideoFrame> v = video(decode(List.of(seg), 0));
            assertThat(v.size()).isBetween(58, 62); // each segment decodes on its own
        }
        // Each segment starts with a keyframe: probed on its own, its first video packet is a key.
        for (byte[] seg : segments) {
            try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new ByteArrayInputStream(seg), 0)) {
                g.setFormat("mpegts");
                g.start();
                org.bytedeco.javacv.Frame f;
                while ((f = g.grabImage()) == null) {
                    // skip audio
                }
                assertThat(f.keyFrame).isTrue();
                assertThat(g.getVideoCodecName()).isEqualTo("h264");
                AVFormatContext oc = g.getFormatContext();
                assertThat(oc.streams(g.getVideoStream()).codecpar().video_delay())
                        .as("no B-frames")
                        .isZero();
            }
        }

        // The whole stream decodes to the same frames: count, timestamps, picture.
        List<VideoFrame> back = video(decode(segments, 0));
        List<VideoFrame> orig = video(original);
        assertThat(back).hasSize(orig.size());
        for (int i = 1; i < back.size(); i++) {
            assertThat(back.get(i).pts() - back.get(i - 1).pts()).isEqualTo(3000);
        }
        double minPsnr = Double.MAX_VALUE;
        for (int i = 0; i < back.size(); i += 10) {
            minPsnr = Math.min(minPsnr, psnr(orig.get(i).rgb(), back.get(i).rgb()));
        }
        System.out.printf(
                "encode round trip: %d segments, %d frames, minimum PSNR %.1f dB%n",
                segments.size(), back.size(), minPsnr);
        assertThat(minPsnr).isGreaterThan(30.0);
        // Audio: none dropped (Opus, mono): as many seconds out as in.
        long samplesIn =
                original.stream()
                        .filter(f -> !f.isVideo())
                        .mapToLong(f -> ((AudioFrame) f).sampleCount())
                        .sum();
        long samplesOut =
                decode(segments, 0).stream()
                        .filter(f -> !f.isVideo())
                        .mapToLong(f -> ((AudioFrame) f).sampleCount())
                        .sum();
        assertThat((double) samplesOut / samplesIn).isBetween(0.95, 1.02);
    }

    @Test
    void framesOfAnotherSizeAreScaledToTheFirstFramesSize() throws Exception {
        List<byte[]> clipC = new ArrayList<>();
        for (Path p : TestMedia.segments("clip-c-480p-h264-noaudio")) {
            clipC.add(TestMedia.read(p));
        }
        List<Frame> frames = decode(clipC, 0);
        List<Frame> mixed = new ArrayList<>();
        for (Frame f : frames) {
            VideoFrame v = (VideoFrame) f;
            // every other frame at half size
            if (mixed.size() % 2 == 1) {
                byte[] small = new byte[256 * 256 * 3];
                for (int y = 0; y < 256; y++) {
                    System.arraycopy(v.rgb(), (2 * y * 512) * 3, small, y * 256 * 3, 256 * 3);
                }
                mixed.add(v.withPixels(256, 256, small));
            } else {
                mixed.add(v);
            }
        }
        List<byte[]> out =
                encode(mixed, MpegTsFrameEncoder.builder().audio(false).build(), new ArrayList<>());
        List<VideoFrame> back = video(decode(out, 0));
        assertThat(back).hasSize(100);
        assertThat(back).allMatch(v -> v.width() == 512 && v.height() == 512);
    }

    @Test
    void aSourceWhoseTimestampsJumpBackKeepsEveryFrameAndItsAudio() throws Exception {
        List<byte[]> input = clipABytes();
        List<Frame> original = decode(input, 0);
        // The source restarts after 5 s: the second half comes with the first half's timestamps.
        long half = 150 * 3000L;
        long firstPts = video(original).get(0).pts();
        List<Frame> jumped = new ArrayList<>();
        for (Frame f : original) {
            boolean late = f.pts() >= firstPts + half;
            if (f instanceof VideoFrame) {
                jumped.add(late ? ((VideoFrame) f).withPts(f.pts() - half) : f);
            } else {
                jumped.add(late ? ((AudioFrame) f).withPts(f.pts() - half) : f);
            }
        }
        List<Frame> back =
                decode(encode(jumped, MpegTsFrameEncoder.builder().build(), new ArrayList<>()), 0);
        List<VideoFrame> v = video(back);
        assertThat(v).hasSize(300);
        for (int i = 1; i < v.size(); i++) {
            assertThat(v.get(i).pts()).isGreaterThan(v.get(i - 1).pts());
        }
        long samplesIn =
                original.stream()
                        .filter(f -> !f.isVideo())
                        .mapToLong(f -> ((AudioFrame) f).sampleCount())
                        .sum();
        long samplesOut =
                back.stream()
                        .filter(f -> !f.isVideo())
                        .mapToLong(f -> ((AudioFrame) f).sampleCount())
                        .sum();
        assertThat((double) samplesOut / samplesIn).isBetween(0.9, 1.05);
    }

    @Test
    void aHoleInTheAudioIsFilledWithSilenceAndLaterAudioKept() throws Exception {
        List<byte[]> input = clipABytes();
        List<Frame> original = decode(input, 0);
        long firstPts = video(original).get(0).pts();
        List<Frame> holed = new ArrayList<>();
        for (Frame f : original) {
            long t = f.pts() - firstPts;
            if (!f.isVideo() && t >= 3 * Frame.TIME_BASE && t < 6 * Frame.TIME_BASE) {
                continue; // 3 s of audio lost
            }
            holed.add(f);
        }
        List<Frame> back =
                decode(encode(holed, MpegTsFrameEncoder.builder().build(), new ArrayList<>()), 0);
        List<AudioFrame> a = new ArrayList<>();
        back.forEach(
                f -> {
                    if (!f.isVideo()) {
                        a.add((AudioFrame) f);
                    }
                });
        long samplesOut = a.stream().mapToLong(AudioFrame::sampleCount).sum();
        // as long as the video: the hole became silence, the audio after it is there
        assertThat(samplesOut / 48_000.0).isBetween(9.5, 10.3);
        assertThat(a.get(a.size() - 1).pts() - a.get(0).pts()).isGreaterThan(9 * Frame.TIME_BASE);
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> MpegTsFrameEncoder.builder().gopSeconds(0).build())
                .hasMessageContaining("gopSeconds");
        assertThatThrownBy(() -> MpegTsFrameEncoder.builder().preset("warp").build())
                .hasMessageContaining("preset");
        assertThatThrownBy(() -> MpegTsFrameEncoder.builder().audioChannels(6).build())
                .hasMessageContaining("audioChannels");
        MpegTsFrameEncoder.checkLibx264(); // the GPL build is on the classpath
    }

    private static List<byte[]> clipABytes() {
        List<byte[]> input = new ArrayList<>();
        for (Path p : TestMedia.clipA()) {
            input.add(TestMedia.read(p));
        }
        return input;
    }

    /** PIDs of the TS packets before the first packet of the video elementary stream. */
    private static List<Integer> firstPacketPids(byte[] ts) {
        List<Integer> pids = new ArrayList<>();
        for (int off = 0; off + 188 <= ts.length && pids.size() < 6; off += 188) {
            pids.add(((ts[off + 1] & 0x1f) << 8) | (ts[off + 2] & 0xff));
        }
        return pids;
    }

    private static double psnr(byte[] a, byte[] b) {
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (a[i] & 0xff) - (b[i] & 0xff);
            se += d * d;
        }
        double mse = se / a.length;
        return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
