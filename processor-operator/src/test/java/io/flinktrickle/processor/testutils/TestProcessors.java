package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.AsyncFrameProcessor;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Processors the operator tests run; observations go to JVM-wide maps (MiniCluster is local). */
public final class TestProcessors {
    /** Per stream: the pts of the last frame processed before each params update, in order. */
    public static final Map<String, List<Long>> UPDATE_BOUNDARIES = new ConcurrentHashMap<>();

    /** Per stream: the params each onStreamStart saw. */
    public static final Map<String, List<Map<String, Object>>> STARTS = new ConcurrentHashMap<>();

    private TestProcessors() {}

    /** The stamp a frame carries: the first byte of its pixels. */
    public static int stampOf(VideoFrame frame) {
        return frame.rgb()[0] & 0xff;
    }

    /** Writes params' "stamp" (default 0) into the first pixel; sends data and custom events. */
    public static final class Stamping implements FrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public void onStreamStart(ProcessorContext context) {
            STARTS.computeIfAbsent(context.streamKey(), k -> new CopyOnWriteArrayList<>())
                    .add(context.params());
            context.sendEvent("processor_started", Map.of("params", context.params()));
        }

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            long[] last = context.state(() -> new long[] {-1});
            last[0] = frame.pts();
            Object stamp = context.params().getOrDefault("stamp", 0);
            byte[] rgb = frame.rgb().clone();
            rgb[0] = (byte) ((Number) stamp).intValue();
            if ((frame.pts() / 3000) % 30 == 0) {
                context.sendData(Map.of("pts", frame.pts(), "stamp", stamp));
            }
            return frame.withPixels(frame.width(), frame.height(), rgb);
        }

        @Override
        public void updateParams(Map<String, Object> update, ProcessorContext context) {
            if (update.containsKey("reject")) {
                throw new IllegalArgumentException("this processor rejects 'reject'");
            }
            long[] last = context.state(() -> new long[] {-1});
            UPDATE_BOUNDARIES
                    .computeIfAbsent(context.streamKey(), k -> new CopyOnWriteArrayList<>())
                    .add(last[0]);
        }
    }

    /** Takes {@code millis} per video frame. */
    public static final class Slow implements FrameProcessor {
        private static final long serialVersionUID = 1L;
        private final long millis;

        public Slow(long millis) {
            this.millis = millis;
        }

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context)
                throws InterruptedException {
            Thread.sleep(millis);
            // A new frame, as a model makes one: the input's keyframe mark is not on it.
            return frame.withKeyframe(false);
        }
    }

    /**
     * Completes each frame after a random delay on threads of its own (out of order); withholds
     * every 4th frame (completes it with null).
     */
    public static final class Shuffling implements AsyncFrameProcessor {
        private static final long serialVersionUID = 1L;
        private transient ScheduledExecutorService timers;

        @Override
        public void open(SlotContext slot) {
            timers = Executors.newScheduledThreadPool(4);
        }

        @Override
        public CompletionStage<VideoFrame> processVideoAsync(
                VideoFrame frame, ProcessorContext context) {
            CompletableFuture<VideoFrame> result = new CompletableFuture<>();
            timers.schedule(
                    () -> result.complete((frame.pts() / 3000) % 4 == 0 ? null : frame),
                    ThreadLocalRandom.current().nextInt(40),
                    TimeUnit.MILLISECONDS);
            return result;
        }

        @Override
        public void close() {
            timers.shutdownNow();
        }
    }

    /** Never completes the result of one video frame (its index in the stream). */
    public static final class NeverCompletes implements AsyncFrameProcessor {
        private static final long serialVersionUID = 1L;
        private final int index;
        private int seen;

        public NeverCompletes(int index) {
            this.index = index;
        }

        @Override
        public CompletionStage<VideoFrame> processVideoAsync(
                VideoFrame frame, ProcessorContext context) {
            return seen++ == index
                    ? new CompletableFuture<>()
                    : CompletableFuture.completedFuture(frame);
        }
    }

    /** Fails every {@code every}-th video frame (1 = always), and inverts the others. */
    public static final class Failing implements FrameProcessor {
        private static final long serialVersionUID = 1L;
        private final int every;

        public Failing(int every) {
            this.every = every;
        }

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            if ((frame.pts() / 3000) % every == 0) {
                throw new IllegalStateException("boom at pts " + frame.pts());
            }
            byte[] rgb = frame.rgb().clone();
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (byte) ~rgb[i];
            }
            return frame.withPixels(frame.width(), frame.height(), rgb);
        }
    }
}
