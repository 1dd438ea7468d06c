package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The real decoded frames of clip A (10 s of 512x512@30 H.264 + AAC), decoded once per JVM, and a
 * FLIP-27 source that replays them for a stream key at real-time pace, stamping each frame's
 * arrival time when it is emitted.
 */
public final class ClipFrames {
    private static List<Frame> frames;

    private ClipFrames() {}

    /** Video and audio frames of clip A in decode order (the fps cap off). */
    public static synchronized List<Frame> clipA() {
        if (frames == null) {
            List<Frame> out = new ArrayList<>();
            MpegTsFrameDecoder decoder = MpegTsFrameDecoder.builder().maxFramerate(0).build();
            try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open("clip-a")) {
                List<Path> segments = TestMedia.clipA();
                for (int i = 0; i < segments.size(); i++) {
                    d.decode(
                            new SegmentInfo("clip-a", i, "video/MP2T", 0),
                            new ByteArrayInputStream(TestMedia.read(segments.get(i))),
                            out::add);
                }
                d.endOfStream(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            frames = Collections.unmodifiableList(out);
        }
        return frames;
    }

    /** The first {@code videoFrames} video frames of clip A with the audio between them. */
    public static List<Frame> firstVideoFrames(int videoFrames) {
        List<Frame> out = new ArrayList<>();
        int video = 0;
        for (Frame f : clipA()) {
            if (f.isVideo() && video++ == videoFrames) {
                break;
            }
            out.add(f);
        }
        return out;
    }

    /**
     * A source of the first {@code videoFrames} video frames (and the audio between them) of clip A
     * as stream {@code key}, emitted at real-time pace, with control messages in band: {@code
     * control} maps a video frame index to the JSON message sent just before that frame.
     */
    public static DataGeneratorSource<Frame> source(
            String key, int videoFrames, Map<Integer, String> control) {
        return source(key, videoFrames, control, true);
    }

    /** As above; {@code realTime} false emits everything at once (a burst). */
    public static DataGeneratorSource<Frame> source(
            String key, int videoFrames, Map<Integer, String> control, boolean realTime) {
        List<Frame> list = withControl(firstVideoFrames(videoFrames), key, control);
        double seconds = videoFrames / 30.0;
        return new DataGeneratorSource<>(
                new Replay(key, videoFrames, control),
                list.size(),
                realTime
                        ? RateLimiterStrategy.perSecond(list.size() / seconds)
                        : RateLimiterStrategy.noOp(),
                FrameTypeInfo.INSTANCE);
    }

    /** As {@link #source}, at real-time pace with one silent pause (a live input that stops). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static DataGeneratorSource<Frame> pausingSource(
            String key, int videoFrames, int pauseAfterVideoFrame, long pauseMillis) {
        List<Frame> list = firstVideoFrames(videoFrames);
        int records = 0;
        int video = 0;
        for (Frame f : list) {
            if (f.isVideo() && video++ == pauseAfterVideoFrame) {
                break;
            }
            records++;
        }
        return new DataGeneratorSource<>(
                new Replay(key, videoFrames, Map.of()),
                list.size(),
                (RateLimiterStrategy)
                        new PausingRate(list.size() / (videoFrames / 30.0), records, pauseMillis),
                FrameTypeInfo.INSTANCE);
    }

    static List<Frame> withControl(List<Frame> frames, String key, Map<Integer, String> control) {
        List<Frame> out = new ArrayList<>();
        int video = 0;
        for (Frame f : frames) {
            if (f.isVideo()) {
                String json = control.get(video++);
                if (json != null) {
                    out.add(new ControlFrame(key, video, 0, json));
                }
            }
            out.add(f);
        }
        return out;
    }

    /** Reads the shared list in the task (same JVM in a MiniCluster), re-keyed and re-stamped. */
    private static final class Replay implements GeneratorFunction<Long, Frame> {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final int videoFrames;
        private final Map<Integer, String> control;
        private transient List<Frame> list;

        Replay(String key, int videoFrames, Map<Integer, String> control) {
            this.key = key;
            this.videoFrames = videoFrames;
            this.control = new java.util.HashMap<>(control);
        }

        @Override
        public Frame map(Long index) {
            if (list == null) {
                list = withControl(firstVideoFrames(videoFrames), key, control);
            }
            return restamp(list.get(index.intValue()), key, System.currentTimeMillis());
        }
    }

    public static Frame restamp(Frame f, String key, long arrivalMillis) {
        if (f.isControl()) {
            return new ControlFrame(key, f.pts(), arrivalMillis, ((ControlFrame) f).json());
        }
        if (f.isVideo()) {
            VideoFrame v = (VideoFrame) f;
            return new VideoFrame(
                            key,
                            v.pts(),
                            arrivalMillis,
                            v.format(),
                            v.width(),
                            v.height(),
                            v.pixels(),
                            v.skipped())
                    .withKeyframe(v.keyframe());
        }
        AudioFrame a = (AudioFrame) f;
        return new AudioFrame(
                key, a.pts(), arrivalMillis, a.sampleRate(), a.channels(), a.samples());
    }
}
