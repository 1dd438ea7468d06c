package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.media.MediaSupport.Probe;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.flinktrickle.connector.trickle.media.MediaSupport.audio;
import static io.flinktrickle.connector.trickle.media.MediaSupport.clip;
import static io.flinktrickle.connector.trickle.media.MediaSupport.concat;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.decoder;
import static io.flinktrickle.connector.trickle.media.MediaSupport.encode;
import static io.flinktrickle.connector.trickle.media.MediaSupport.probe;
import static io.flinktrickle.connector.trickle.media.MediaSupport.video;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decode → encode of the real clips, the input and the output read with FFmpeg's demuxer on its
 * own: the output keeps the input's timestamps frame for frame, re-times a jump back once, starts
 * its segments where the input's start, and has an audio track exactly when the input has audio.
 */
class EncoderTimestampsITCase {

    /** 20 ms in the 90 kHz clock: how far the first output audio may be from the input's. */
    private static final long AUDIO_SLACK = Frame.TIME_BASE / 50;

    @Test
    void clipALoopedTwiceKeepsTheInputPtsAndRetimesTheJumpBackOnce() throws Exception {
        List<byte[]> once = clip("clip-a-512-h264-aac");
        List<byte[]> twice = new ArrayList<>(once);
        twice.addAll(once); // the same segments again, pts as they are: a jump back by 10 s
        Probe in = probe(concat(once));
        List<Long> inPts = in.sortedVideoPts();
        assertThat(inPts).hasSize(300);

        List<Frame> decoded = decode(decoder(PixelFormat.NONE), twice);
        List<VideoFrame> v = video(decoded);
        assertThat(v).hasSize(600);
        // The decoder hands out the input's own pts, and marks the input's key pictures.
        List<Long> keyPts = new ArrayList<>();
        for (int i = 0; i < in.videoPts.size(); i++) {
            if (in.videoKey.get(i)) {
                keyPts.add(in.videoPts.get(i));
            }
        }
        assertThat(keyPts).hasSize(5);
        for (int i = 0; i < 600; i++) {
            VideoFrame f = v.get(i);
            assertThat(f.pts()).as("decoded pts of frame %d", i).isEqualTo(inPts.get(i % 300));
            assertThat(f.keyframe())
                    .as("keyframe mark of frame %d (pts %d)", i, f.pts())
                    .isEqualTo(keyPts.contains(f.pts()));
        }
        List<Long> audioPts = new ArrayList<>();
        audio(decoded).forEach(a -> audioPts.add(a.pts()));
        List<Long> inAudioTwice = new ArrayList<>(in.audioPts);
        inAudioTwice.addAll(in.audioPts);
        assertThat(audioPts).as("decoded audio pts: the input's").isEqualTo(inAudioTwice);

        List<byte[]> segments = encode(decoded, MpegTsFrameEncoder.builder().build());
        Probe out = probe(concat(segments));
        assertThat(out.videoCodec).isEqualTo("h264");
        assertThat(out.audioCodec).isEqualTo("opus");
        assertThat(out.streams).isEqualTo(2);
        List<Long> outPts = out.videoPts; // stream order: without B-frames, presentation order
        assertThat(outPts).hasSize(600);
        for (int i = 0; i < 300; i++) {
            assertThat(outPts.get(i)).as("output pts of frame %d", i).isEqualTo(inPts.get(i));
        }
        // The jump back is re-timed once: one frame after the last, then the input's own steps.
        long resumed = inPts.get(299) + 3000;
        for (int i = 0; i < 300; i++) {
            assertThat(outPts.get(300 + i))
                    .as("output pts of frame %d, after the jump", 300 + i)
                    .isEqualTo(resumed + inPts.get(i) - inPts.get(0));
        }
        for (int i = 1; i < outPts.size(); i++) {
            assertThat(outPts.get(i)).as("monotonic at %d", i).isGreaterThan(outPts.get(i - 1));
        }

        // Audio: starts where the input's does (Opus priming is 6.5 ms), and goes on unbroken.
        assertThat(out.firstAudioPts()).isCloseTo(in.firstAudioPts(), within(AUDIO_SLACK));
        for (int i = 1; i < out.audioPts.size(); i++) {
            // 20 ms Opus packets end to end: no hole and no overlap, across the jump too
            assertThat(out.audioPts.get(i) - out.audioPts.get(i - 1))
                    .as("audio pts step %d", i)
                    .isEqualTo(Frame.TIME_BASE / 50);
        }
        long lastAudio = out.audioPts.get(out.audioPts.size() - 1);
        assertThat(lastAudio)
                .as("audio goes on after the jump, next to the video")
                .isCloseTo(outPts.get(599), within(Frame.TIME_BASE / 2));

        // Output segment k starts where input segment k does (the second pass: re-timed).
        List<Long> inSegmentStart = new ArrayList<>();
        for (byte[] seg : once) {
            inSegmentStart.add(probe(seg).firstVideoPts());
        }
        assertThat(segments).hasSize(10);
        for (int k = 0; k < 10; k++) {
            long expected =
                    k < 5
                            ? inSegmentStart.get(k)
                            : resumed + inSegmentStart.get(k - 5) - inSegmentStart.get(0);
            Probe seg = probe(segments.get(k));
            assertThat(seg.firstVideoPts())
                    .as("first pts of output segment %d", k)
                    .isEqualTo(expected);
            assertThat(seg.videoKey.get(0)).as("segment %d starts with a keyframe", k).isTrue();
            assertThat(seg.videoPts).as("frames of output segment %d", k).hasSize(60);
        }
    }

    @Test
    void withOneSecondInputSegmentsOutputSegmentsStartAtEveryOtherOrEveryInputKeyframe()
            throws Exception {
        List<byte[]> clipB = clip("clip-b-720p-h264-opus"); // 6 segments of 1 s, a key each
        List<Long> inSegmentStart = new ArrayList<>();
        for (byte[] seg : clipB) {
            inSegmentStart.add(probe(seg).firstVideoPts());
        }
        List<Frame> decoded = decode(decoder(PixelFormat.NONE), clipB);

        // Default 2 s GOP: a cut at every other input keyframe.
        List<byte[]> twoSeconds = encode(decoded, MpegTsFrameEncoder.builder().build());
        assertThat(twoSeconds).hasSize(3);
        for (int k = 0; k < 3; k++) {
            assertThat(probe(twoSeconds.get(k)).firstVideoPts())
                    .as("2 s output segment %d", k)
                    .isEqualTo(inSegmentStart.get(2 * k));
        }
        // A 1 s GOP: one output segment per input segment, starting at the same frame.
        List<byte[]> oneSecond =
                encode(decoded, MpegTsFrameEncoder.builder().gopSeconds(1).build());
        assertThat(oneSecond).hasSize(6);
        for (int k = 0; k < 6; k++) {
            Probe seg = probe(oneSecond.get(k));
            assertThat(seg.firstVideoPts())
                    .as("1 s output segment %d", k)
                    .isEqualTo(inSegmentStart.get(k));
            assertThat(seg.videoPts).hasSize(30);
            // Opus in, Opus out
            assertThat(seg.streams).isEqualTo(2);
            assertThat(seg.audioCodec).isEqualTo("opus");
        }
    }

    @Test
    void withTheFpsCapASegmentStartsAtTheFirstKeptFrameOfItsInputSegment() throws Exception {
        List<byte[]> clipA = clip("clip-a-512-h264-aac");
        // The decoder's defaults: 24 fps, RGB24, as a job runs it.
        List<Frame> decoded = decode(MpegTsFrameDecoder.builder().build(), clipA);
        List<VideoFrame> v = video(decoded);
        List<byte[]> segments = encode(decoded, MpegTsFrameEncoder.builder().build());
        assertThat(segments).hasSize(5);
        for (int k = 0; k < 5; k++) {
            long inputStart = probe(clipA.get(k)).firstVideoPts();
            long firstKept =
                    v.stream().mapToLong(Frame::pts).filter(p -> p >= inputStart).min().getAsLong();
            assertThat(v.stream().filter(f -> f.pts() == firstKept).findFirst().get().keyframe())
                    .as("the first kept frame of input segment %d carries its keyframe mark", k)
                    .isTrue();
            assertThat(probe(segments.get(k)).firstVideoPts())
                    .as("output segment %d", k)
                    .isEqualTo(firstKept);
        }
    }

    @Test
    void anInputWithoutAudioGivesAnOutputWithoutAnAudioTrack() throws Exception {
        List<byte[]> clipC = clip("clip-c-480p-h264-noaudio");
        Probe in = probe(concat(clipC));
        assertThat(in.audioCodec).isNull();
        List<Frame> decoded = decode(decoder(PixelFormat.NONE), clipC);
        // The encoder asks for audio (its default): it waits 0.5 s of video, then goes without.
        List<byte[]> segments = encode(decoded, MpegTsFrameEncoder.builder().build());
        assertThat(segments).hasSize(2);
        for (byte[] seg : segments) {
            Probe p = probe(seg);
            assertThat(p.streams).as("streams of an output segment").isEqualTo(1);
            assertThat(p.audioCodec).isNull();
            assertThat(p.audioPts).isEmpty();
            assertThat(p.videoPts).hasSize(50);
        }
        // The video held while waiting for audio keeps its pts, like the rest.
        assertThat(probe(concat(segments)).videoPts).isEqualTo(in.sortedVideoPts());

        // A stream shorter than the wait for audio: written when it ends, without audio too.
        List<byte[]> tiny =
                encode(video(decoded).subList(0, 5), MpegTsFrameEncoder.builder().build());
        assertThat(tiny).hasSize(1);
        Probe t = probe(tiny.get(0));
        assertThat(t.streams).isEqualTo(1);
        assertThat(t.videoPts).isEqualTo(in.sortedVideoPts().subList(0, 5));
    }

    @Test
    void hevcAndAacInGiveH264AndOneOpusTrackOutWithTheInputsPts() throws Exception {
        List<byte[]> clipD = clip("clip-d-256-hevc-aac");
        Probe in = probe(concat(clipD));
        assertThat(in.videoCodec).isEqualTo("hevc");
        assertThat(in.audioCodec).isEqualTo("aac");
        List<byte[]> segments =
                encode(
                        decode(decoder(PixelFormat.NONE), clipD),
                        MpegTsFrameEncoder.builder().build());
        assertThat(segments).hasSize(clipD.size());
        for (int k = 0; k < segments.size(); k++) {
            Probe seg = probe(segments.get(k));
            assertThat(seg.streams).isEqualTo(2);
            assertThat(seg.videoCodec).isEqualTo("h264");
            assertThat(seg.audioCodec).isEqualTo("opus");
            // x265 cut open GOPs: segment 1 starts with a key picture whose leading pictures
            // (3 frames before it on screen) follow it; the output cuts at the key picture.
            assertThat(seg.firstVideoPts())
                    .as("output segment %d", k)
                    .isEqualTo(probe(clipD.get(k)).firstKeyPts());
        }
        Probe out = probe(concat(segments));
        assertThat(out.videoPts).isEqualTo(in.sortedVideoPts());
        assertThat(out.firstAudioPts()).isCloseTo(in.firstAudioPts(), within(AUDIO_SLACK));
    }

    @Test
    void audioStartingWithinTheWaitStillGetsATrackAndTheHeldVideoKeepsItsPts() throws Exception {
        List<byte[]> seg0 = List.of(clip("clip-a-512-h264-aac").get(0));
        List<Frame> decoded = decode(decoder(PixelFormat.NONE), seg0);
        long firstVideo = video(decoded).get(0).pts();
        long audioFrom = firstVideo + Frame.TIME_BASE * 3 / 10; // the first 0.3 s without audio
        List<Frame> lateAudio = new ArrayList<>();
        for (Frame f : decoded) {
            if (f.isVideo() || f.pts() >= audioFrom) {
                lateAudio.add(f);
            }
        }
        long firstAudioIn = audio(lateAudio).get(0).pts();
        List<byte[]> segments = encode(lateAudio, MpegTsFrameEncoder.builder().build());
        assertThat(segments).hasSize(1);
        Probe out = probe(segments.get(0));
        assertThat(out.streams).isEqualTo(2);
        assertThat(out.audioCodec).isEqualTo("opus");
        assertThat(out.firstAudioPts()).isCloseTo(firstAudioIn, within(AUDIO_SLACK));
        List<Long> expected = new ArrayList<>();
        video(decoded).forEach(f -> expected.add(f.pts()));
        assertThat(out.videoPts).isEqualTo(expected);
    }

    @Test
    void withoutInputKeyframesSegmentsAreCutEveryTwoSecondsOfPts() throws Exception {
        List<byte[]> segments = encode(synthetic(8 * 30, List.of()), VIDEO_ONLY);
        assertThat(firstPts(segments))
                .containsExactly(START, START + 180_000, START + 360_000, START + 540_000);
    }

    @Test
    void cutsMoveToInputKeyframesWithinAQuarterGopOfTheCadence() throws Exception {
        // keyframes at 0, 2.3 s (0.3 s late: the cut moves there), 4.9 s (0.6 s late: too far)
        List<byte[]> segments = encode(synthetic(6 * 30, List.of(0, 69, 147)), VIDEO_ONLY);
        List<Long> cuts = firstPts(segments);
        assertThat(cuts).hasSize(3);
        assertThat(cuts.get(0)).isEqualTo(START);
        assertThat(cuts.get(1)).isEqualTo(START + 69 * 3000L);
        // due 2 s after the last cut; no keyframe near it, so no later than a quarter GOP after
        assertThat(cuts.get(2)).isBetween(START + 129 * 3000L, START + 144 * 3000L);
    }

    @Test
    void aForwardJumpBeyondTenSecondsIsRetimedAShorterGapIsKept() throws Exception {
        for (long gap : new long[] {3 * Frame.TIME_BASE, 20 * Frame.TIME_BASE}) {
            List<VideoFrame> frames = synthetic(120, List.of(0, 60));
            for (int i = 60; i < 120; i++) {
                frames.set(i, frames.get(i).withPts(frames.get(i).pts() + gap));
            }
            List<Long> out = probe(concat(encode(frames, VIDEO_ONLY))).videoPts;
            assertThat(out).hasSize(120);
            for (int i = 0; i < 120; i++) {
                long expected =
                        gap < 10 * Frame.TIME_BASE
                                ? frames.get(i).pts() // a pause in the input: kept as it is
                                : START + 3000L * i; // a jump: one frame after the last
                assertThat(out.get(i)).as("gap %d, frame %d", gap, i).isEqualTo(expected);
            }
        }
    }

    @Test
    void videoRepeatingUpToASecondIsDroppedFurtherBackIsRetimed() throws Exception {
        // Frames 0..59, then the last 15 again (a segment's tail read twice), then 60..89: the
        // repeats are dropped and every frame keeps the input's pts.
        List<VideoFrame> all = synthetic(90, List.of(0, 60));
        List<VideoFrame> overlap = new ArrayList<>(all.subList(0, 60));
        overlap.addAll(all.subList(45, 90));
        List<Long> out = probe(concat(encode(overlap, VIDEO_ONLY))).videoPts;
        assertThat(out).hasSize(90);
        for (int i = 0; i < 90; i++) {
            assertThat(out.get(i)).as("frame %d", i).isEqualTo(all.get(i).pts());
        }
        // Back by more than a second (2 s): the source restarted, the output goes on after it.
        List<VideoFrame> restart = new ArrayList<>(all.subList(0, 90));
        restart.addAll(all.subList(30, 60));
        List<Long> retimed = probe(concat(encode(restart, VIDEO_ONLY))).videoPts;
        assertThat(retimed).hasSize(120);
        for (int i = 90; i < 120; i++) {
            assertThat(retimed.get(i)).as("frame %d", i).isEqualTo(START + 3000L * i);
        }
    }

    @Test
    void audioHeldForTheNextVideoWriteIsNotLostAtACut() throws Exception {
        // Video at 30 fps with keyframes every 2 s, 20 ms audio frames, all in pts order: the
        // audio just before each keyframe is still held (it rides with the next video write) when
        // that keyframe cuts the segment, and must go out with the segment that ends there.
        List<VideoFrame> video = synthetic(6 * 30, List.of(0, 60, 120));
        List<Frame> frames = new ArrayList<>();
        int a = 0;
        for (VideoFrame v : video) {
            while (START + 1800L * a < v.pts()) {
                frames.add(
                        AudioFrame.builder(48_000, 1)
                                .samples(new short[960])
                                .pts(START + 1800L * a)
                                .build());
                a++;
            }
            frames.add(v);
        }
        List<byte[]> segments = encode(frames, MpegTsFrameEncoder.builder().build());
        assertThat(segments).hasSize(3);
        List<Long> audio = probe(concat(segments)).audioPts;
        assertThat(audio.get(0)).isCloseTo(START, within(AUDIO_SLACK));
        for (int i = 1; i < audio.size(); i++) {
            assertThat(audio.get(i) - audio.get(i - 1))
                    .as("audio pts step %d: nothing lost at a cut", i)
                    .isEqualTo(Frame.TIME_BASE / 50);
        }
        assertThat(audio.get(audio.size() - 1)).isGreaterThan(START + 5 * Frame.TIME_BASE);
    }

    private static final long START = 90_000;

    private static final MpegTsFrameEncoder VIDEO_ONLY =
            MpegTsFrameEncoder.builder().audio(false).build();

    /** Small grey frames at 30 fps from pts {@link #START}, input keyframes at the indexes. */
    private static List<VideoFrame> synthetic(int count, List<Integer> keyframes) {
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            frames.add(
                    VideoFrame.builder(64, 64)
                            .format(PixelFormat.YUV420P)
                            .fill(i % 256, 128, 64)
                            .pts(START + 3000L * i)
                            .keyframe(keyframes.contains(i))
                            .build());
        }
        return frames;
    }

    private static List<Long> firstPts(List<byte[]> segments) throws Exception {
        List<Long> first = new ArrayList<>();
        for (byte[] seg : segments) {
            Probe p = probe(seg);
            assertThat(p.videoKey.get(0)).as("a segment starts with a keyframe").isTrue();
            first.add(p.firstVideoPts());
        }
        return first;
    }

    private static org.assertj.core.data.Offset<Long> within(long ticks) {
        return org.assertj.core.data.Offset.offset(ticks);
    }
}
