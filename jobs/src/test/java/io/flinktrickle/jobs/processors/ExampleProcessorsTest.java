package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.jobs.media.ClipFiles;
import io.flinktrickle.processor.operator.HarnessStream;
import io.flinktrickle.processor.operator.ProcessorTestHarness;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The example processors on real decoded frames of clip A (its first segment), run through the
 * {@link ProcessorTestHarness} as a processor author would test theirs.
 */
class ExampleProcessorsTest {
    private static final List<VideoFrame> VIDEO = new ArrayList<>();
    private static final List<AudioFrame> AUDIO = new ArrayList<>();

    /** The same video frames as {@link #VIDEO}, as the decoder gives them in YUV420P. */
    private static final List<VideoFrame> VIDEO_YUV = new ArrayList<>();

    @BeforeAll
    static void decodeClipA() throws Exception {
        for (Frame f : decodeFirstSegment(PixelFormat.RGB24)) {
            if (f instanceof VideoFrame) {
                VIDEO.add((VideoFrame) f);
            } else if (f instanceof AudioFrame) {
                AUDIO.add((AudioFrame) f);
            }
        }
        for (Frame f : decodeFirstSegment(PixelFormat.YUV420P)) {
            if (f instanceof VideoFrame) {
                VIDEO_YUV.add((VideoFrame) f);
            }
        }
        assertThat(VIDEO).hasSizeGreaterThan(50);
        assertThat(VIDEO_YUV).hasSameSizeAs(VIDEO);
        assertThat(AUDIO).isNotEmpty();
    }

    private static List<Frame> decodeFirstSegment(PixelFormat format) throws Exception {
        Path first = ClipFiles.segments(ClipFiles.findMediaDir(), "clip-a-512-h264-aac").get(0);
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder()
                        .pixelFormat(format)
                        .maxFramerate(0)
                        .build()
                        .open("a")) {
            d.decode(
                    new SegmentInfo("a", 0, "video/MP2T", 0),
                    new ByteArrayInputStream(Files.readAllBytes(first)),
                    frames::add);
            d.endOfStream(frames::add);
        }
        return frames;
    }

    @Test
    void passthroughReturnsTheFrame() throws Exception {
        VideoFrame f = VIDEO.get(0);
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(new Passthrough()).build()) {
            assertThat(harness.startStream("a").processVideo(f)).isSameAs(f);
        }
    }

    @Test
    void simulatedModelLoadTakesItsTimeInOpenAndPassesFramesThrough() throws Exception {
        String previous = System.setProperty(SimulatedModelLoad.PROPERTY, "300");
        try {
            long t0 = System.nanoTime();
            try (ProcessorTestHarness harness =
                    ProcessorTestHarness.builder(new SimulatedModelLoad()).build()) {
                assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
                VideoFrame f = VIDEO.get(0);
                assertThat(harness.startStream("a").processVideo(f)).isSameAs(f);
            }
        } finally {
            if (previous == null) {
                System.clearProperty(SimulatedModelLoad.PROPERTY);
            } else {
                System.setProperty(SimulatedModelLoad.PROPERTY, previous);
            }
        }
    }

    @Test
    void invertColorsInvertsAndBlendsByParams() throws Exception {
        VideoFrame f = VIDEO.get(10);
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(new InvertColors()).build()) {
            HarnessStream s = harness.startStream("a");
            VideoFrame inverted = s.processVideo(f);
            for (int i = 0; i < f.rgb().length; i += 997) {
                assertThat(inverted.rgb()[i] & 0xff)
                        .isCloseTo(
                                255 - (f.rgb()[i] & 0xff), org.assertj.core.data.Offset.offset(1));
            }
            s.updateParams(Map.of("amount", 0.0));
            assertThat(s.processVideo(f).rgb()).isEqualTo(f.rgb());
            assertThatThrownBy(() -> s.updateParams(Map.of("amount", 2)))
                    .hasMessageContaining("[0, 1]");
            assertThat(s.params()).containsEntry("amount", 0.0);
        }
    }

    @Test
    void blurModelSmoothsWithAModelGeneratedInCode() throws Exception {
        VideoFrame f = VIDEO.get(20);
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new BlurModel()).build()) {
            VideoFrame out = harness.startStream("a").processVideo(f);
            assertThat(out.width()).isEqualTo(f.width());
            assertThat(out.height()).isEqualTo(f.height());
            // An interior pixel is the mean of its 3x3 neighbourhood (per channel).
            for (int[] p : new int[][] {{100, 100}, {256, 300}, {400, 50}}) {
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            sum += f.rgb()[f.indexOf(p[0] + dx, p[1] + dy) + c] & 0xff;
                        }
                    }
                    assertThat((double) (out.rgb()[out.indexOf(p[0], p[1]) + c] & 0xff))
                            .isCloseTo(sum / 9, org.assertj.core.data.Offset.offset(1.0));
                }
            }
            assertThat(variance(out)).isLessThan(variance(f));
        }
    }

    @Test
    void blurBatchModelBlursAWholeBatchAsTheModelBlursEachFrame() throws Exception {
        VideoFrame small = VideoFrame.builder(64, 48).fill(10, 200, 90).pts(7).build();
        List<VideoFrame> frames = List.of(VIDEO.get(20), small, VIDEO.get(21), VIDEO.get(22));
        List<VideoFrame> single = new ArrayList<>();
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new BlurModel()).build()) {
            HarnessStream s = harness.startStream("a");
            for (VideoFrame f : frames) {
                single.add(s.processVideo(f));
            }
        }
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(new BlurBatchModel()).build()) {
            HarnessStream a = harness.startStream("a");
            HarnessStream b = harness.startStream("b");
            List<VideoFrame> batch = harness.processBatch(List.of(a, b, a, b), frames);
            assertThat(batch).hasSize(4);
            for (int i = 0; i < frames.size(); i++) {
                VideoFrame out = batch.get(i);
                assertThat(out.pts()).isEqualTo(frames.get(i).pts());
                assertThat(out.width()).isEqualTo(frames.get(i).width());
                byte[] expected = single.get(i).rgb();
                for (int p = 0; p < expected.length; p++) {
                    assertThat(out.rgb()[p] & 0xff)
                            .as("frame %s byte %s", i, p)
                            .isCloseTo(expected[p] & 0xff, org.assertj.core.data.Offset.offset(1));
                }
            }
            assertThat(variance(batch.get(0))).isLessThan(variance(frames.get(0)));
        }
    }

    @Test
    void audioGainScalesAndClips() throws Exception {
        AudioFrame a = AUDIO.get(5);
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new AudioGain()).build()) {
            HarnessStream s = harness.startStream("a");
            assertThat(s.processAudio(a)).containsExactly(a);
            s.updateParams(Map.of("gain", 0.5));
            short[] half = s.processAudio(a).get(0).samples();
            for (int i = 0; i < half.length; i += 37) {
                assertThat((int) half[i])
                        .isCloseTo(a.samples()[i] / 2, org.assertj.core.data.Offset.offset(1));
            }
            s.updateParams(Map.of("gain", 16));
            for (short v : s.processAudio(a).get(0).samples()) {
                assertThat(v).isBetween(Short.MIN_VALUE, Short.MAX_VALUE);
            }
            assertThatThrownBy(() -> s.updateParams(Map.of("gain", "loud")))
                    .hasMessageContaining("number");
        }
    }

    @Test
    void frameStatsSendsDataAndCustomEvents() throws Exception {
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(new FrameStats()).build()) {
            HarnessStream s = harness.startStream("a");
            for (int i = 0; i < 30; i++) {
                assertThat(s.processVideo(VIDEO.get(i))).isSameAs(VIDEO.get(i));
            }
            harness.advance(Duration.ofSeconds(1)); // past the data flush interval
            assertThat(s.data()).hasSize(3);
            assertThat(s.data().get(0))
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsKeys("pts", "mean_luma");
            // A black frame after real content is a brightness change.
            VideoFrame black = VIDEO.get(30).withPixels(512, 512, new byte[512 * 512 * 3]);
            s.processVideo(black);
            assertThat(s.events())
                    .anySatisfy(e -> assertThat(e).containsEntry("type", "brightness_change"));
        }
    }

    /**
     * FrameStats asks for YUV420P and reads the Y plane: the mean luma it reports is that of the
     * same picture in RGB (BT.601), within 2 levels.
     */
    @Test
    void frameStatsGivesTheSameLumaOnYuvFramesAsOnRgbFrames() throws Exception {
        assertThat(new FrameStats().pixelFormat()).isEqualTo(PixelFormat.YUV420P);
        for (int i = 0; i < VIDEO.size(); i += 7) {
            VideoFrame rgb = VIDEO.get(i);
            VideoFrame yuv = VIDEO_YUV.get(i);
            assertThat(yuv.format()).isEqualTo(PixelFormat.YUV420P);
            assertThat(yuv.pts()).isEqualTo(rgb.pts());
            assertThat(FrameStats.meanLuma(yuv))
                    .as("frame %d", i)
                    .isCloseTo(FrameStats.meanLuma(rgb), org.assertj.core.data.Offset.offset(2.0));
        }
        // Flat colours built in each format: the luma of the colour.
        for (int[] c : new int[][] {{0, 0, 0}, {255, 255, 255}, {200, 30, 140}, {20, 220, 90}}) {
            double want = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
            for (PixelFormat format :
                    List.of(PixelFormat.RGB24, PixelFormat.YUV420P, PixelFormat.GRAY8)) {
                VideoFrame f =
                        VideoFrame.builder(16, 16).format(format).fill(c[0], c[1], c[2]).build();
                assertThat(FrameStats.meanLuma(f))
                        .as("%s %s", format, java.util.Arrays.toString(c))
                        .isCloseTo(want, org.assertj.core.data.Offset.offset(2.0));
            }
        }
        // Through the harness, as the data channel reports it.
        List<Double> reported = new ArrayList<>();
        for (List<VideoFrame> frames : List.of(VIDEO, VIDEO_YUV)) {
            try (ProcessorTestHarness harness =
                    ProcessorTestHarness.builder(new FrameStats()).build()) {
                HarnessStream s = harness.startStream("a");
                s.updateParams(Map.of("stats_every", 1));
                for (int i = 0; i < 20; i++) {
                    assertThat(s.processVideo(frames.get(i))).isSameAs(frames.get(i));
                }
                harness.advance(Duration.ofSeconds(1));
                assertThat(s.data()).hasSize(20);
                for (Object item : s.data()) {
                    reported.add(((Number) ((Map<?, ?>) item).get("mean_luma")).doubleValue());
                }
            }
        }
        for (int i = 0; i < 20; i++) {
            assertThat(reported.get(20 + i))
                    .as("mean_luma of frame %d, YUV420P against RGB24", i)
                    .isCloseTo(reported.get(i), org.assertj.core.data.Offset.offset(2.0));
        }
    }

    private static double variance(VideoFrame f) {
        double sum = 0;
        double sq = 0;
        byte[] rgb = f.rgb();
        for (byte b : rgb) {
            int v = b & 0xff;
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / rgb.length;
        return sq / rgb.length - mean * mean;
    }
}
