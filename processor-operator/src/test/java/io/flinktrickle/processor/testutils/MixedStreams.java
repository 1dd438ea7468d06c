package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;

import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several live streams of clip A frames in one source, interleaved as a slot that serves them sees
 * them: each stream starts at a tick of its own (a tick is one video frame time, 1/30 s), sends its
 * video frames with the audio between them and control messages in band, and may end in band
 * ({@link StreamLifecycle#end}), leaving the slot while the others go on. Emitted at real-time
 * pace.
 */
public final class MixedStreams {

    /** One stream of the mix. */
    public static final class Plan implements Serializable {
        private static final long serialVersionUID = 1L;
        final String key;
        final int startTick;
        final int videoFrames;
        final Map<Integer, String> control;
        final boolean endsInBand;

        /**
         * @param control a video frame index → the JSON control message sent just before it
         */
        public Plan(
                String key,
                int startTick,
                int videoFrames,
                Map<Integer, String> control,
                boolean endsInBand) {
            this.key = key;
            this.startTick = startTick;
            this.videoFrames = videoFrames;
            this.control = new HashMap<>(control);
            this.endsInBand = endsInBand;
        }

        public String key() {
            return key;
        }

        public int videoFrames() {
            return videoFrames;
        }
    }

    private MixedStreams() {}

    /** The source of the streams of {@code plans}, at real-time pace. */
    public static DataGeneratorSource<Frame> source(List<Plan> plans) {
        List<Frame> timeline = timeline(plans);
        int ticks = 0;
        for (Plan p : plans) {
            ticks = Math.max(ticks, p.startTick + p.videoFrames);
        }
        return new DataGeneratorSource<>(
                new Replay(plans),
                timeline.size(),
                RateLimiterStrategy.perSecond(timeline.size() / (ticks / 30.0)),
                FrameTypeInfo.INSTANCE);
    }

    /** The records of all streams in the order the source sends them. */
    static List<Frame> timeline(List<Plan> plans) {
        List<List<List<Frame>>> groups = new ArrayList<>();
        int ticks = 0;
        for (Plan p : plans) {
            groups.add(byVideoFrame(p));
            ticks = Math.max(ticks, p.startTick + p.videoFrames);
        }
        List<Frame> out = new ArrayList<>();
        for (int tick = 0; tick <= ticks; tick++) {
            for (int i = 0; i < plans.size(); i++) {
                Plan p = plans.get(i);
                int index = tick - p.startTick;
                if (index >= 0 && index < p.videoFrames) {
                    out.addAll(groups.get(i).get(index));
                } else if (index == p.videoFrames && p.endsInBand) {
                    out.add(StreamLifecycle.end(p.key, null));
                }
            }
        }
        return out;
    }

    /** A stream's records, one group per video frame (with its control message and audio). */
    private static List<List<Frame>> byVideoFrame(Plan p) {
        List<List<Frame>> groups = new ArrayList<>();
        List<Frame> current = new ArrayList<>();
        boolean seenVideo = false;
        for (Frame f :
                ClipFrames.withControl(
                        ClipFrames.firstVideoFrames(p.videoFrames), p.key, p.control)) {
            if ((f.isVideo() || f.isControl()) && seenVideo) {
                groups.add(current);
                current = new ArrayList<>();
                seenVideo = false;
            }
            seenVideo |= f.isVideo();
            current.add(ClipFrames.restamp(f, p.key, 0));
        }
        groups.add(current);
        return groups;
    }

    /** Reads the timeline in the task (same JVM in a MiniCluster), re-keyed and re-stamped. */
    private static final class Replay implements GeneratorFunction<Long, Frame> {
        private static final long serialVersionUID = 1L;
        private final List<Plan> plans;
        private transient List<Frame> list;

        Replay(List<Plan> plans) {
            this.plans = new ArrayList<>(plans);
        }

        @Override
        public Frame map(Long index) {
            if (list == null) {
                list = timeline(plans);
            }
            Frame f = list.get(index.intValue());
            return StreamLifecycle.isLifecycle(f)
                    ? f
                    : ClipFrames.restamp(f, f.streamKey(), System.currentTimeMillis());
        }
    }
}
