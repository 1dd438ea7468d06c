package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.BatchFrameException;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;

import java.util.ArrayList;
import java.util.HashMap;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A batch processor the batching tests run; what it sees goes to JVM-wide lists per run name (the
 * MiniCluster runs in the test's JVM).
 */
public final class BatchProcessors {
    /** Per run: each batch as it was called, frames as {@code stream@pts}. */
    public static final Map<String, List<List<String>>> BATCHES = new ConcurrentHashMap<>();

    /** Per run: {@code stream@pts} of the frames the processor failed (alone or with the batch). */
    public static final Map<String, List<String>> FAILED = new ConcurrentHashMap<>();

    /** Per run: {@code stream@pts} of the stream's last processed frame when it stopped. */
    public static final Map<String, List<String>> STOPS = new ConcurrentHashMap<>();

    /** Per run: the most batches in flight at once (async processors). */
    public static final Map<String, AtomicInteger> MAX_IN_FLIGHT = new ConcurrentHashMap<>();

    private BatchProcessors() {}

    public static List<List<String>> batches(String run) {
        return BATCHES.getOrDefault(run, List.of());
    }

    /** The stream of a {@code stream@pts} member. */
    public static String streamOf(String member) {
        return member.substring(0, member.indexOf('@'));
    }

    /** The pts of a {@code stream@pts} member. */
    public static long ptsOf(String member) {
        return Long.parseLong(member.substring(member.indexOf('@') + 1));
    }

    /**
     * Writes each frame's stream params' {@code stamp} (default 0) into its first pixel, as {@link
     * TestProcessors.Stamping} does, and costs {@code callMillis} plus {@code frameMillis} per
     * frame (a sleep, as a GPU call's wait). Params {@code fail_every: N} fail the stream's frames
     * whose index (pts / 3000) is a multiple of N, alone; {@code fail_batch_at: pts} fails the
     * whole batch that holds the stream's frame of that pts. Params updates record the last
     * processed pts ({@link TestProcessors#UPDATE_BOUNDARIES}).
     */
    public static final class Stamping implements BatchFrameProcessor {
        private static final long serialVersionUID = 1L;
        private final String run;
        private final long callMillis;
        private final long frameMillis;

        public Stamping(String run, long callMillis, long frameMillis) {
            this.run = run;
            this.callMillis = callMillis;
            this.frameMillis = frameMillis;
        }

        @Override
        public List<VideoFrame> processBatch(
                List<VideoFrame> frames, List<ProcessorContext> contexts) throws Exception {
            List<String> members = new ArrayList<>();
            for (int i = 0; i < frames.size(); i++) {
                members.add(contexts.get(i).streamKey() + "@" + frames.get(i).pts());
            }
            BATCHES.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>()).add(members);
            Thread.sleep(callMillis + frameMillis * frames.size());
            List<VideoFrame> out = new ArrayList<>();
            Map<Integer, Throwable> failures = new HashMap<>();
            for (int i = 0; i < frames.size(); i++) {
                VideoFrame frame = frames.get(i);
                ProcessorContext context = contexts.get(i);
                Map<String, Object> params = context.params();
                Object failBatchAt = params.get("fail_batch_at");
                if (failBatchAt != null && ((Number) failBatchAt).longValue() == frame.pts()) {
                    failed().addAll(members);
                    throw new IllegalStateException("the batch with " + members.get(i) + " fails");
                }
                Object every = params.get("fail_every");
                if (every != null && (frame.pts() / 3000) % ((Number) every).intValue() == 0) {
                    failures.put(i, new IllegalStateException("boom at " + members.get(i)));
                    failed().add(members.get(i));
                    out.add(null);
                    continue;
                }
                context.state(() -> new long[] {-1})[0] = frame.pts();
                byte[] rgb = frame.rgb().clone();
                rgb[0] = (byte) ((Number) params.getOrDefault("stamp", 0)).intValue();
                out.add(frame.withPixels(frame.width(), frame.height(), rgb));
            }
            if (!failures.isEmpty()) {
                throw new BatchFrameException(out, failures);
            }
            return out;
        }

        private List<String> failed() {
            return FAILED.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>());
        }

        @Override
        public void updateParams(Map<String, Object> update, ProcessorContext context) {
            long[] last = context.state(() -> new long[] {-1});
            TestProcessors.UPDATE_BOUNDARIES
                    .computeIfAbsent(context.streamKey(), k -> new CopyOnWriteArrayList<>())
                    .add(last[0]);
        }

        @Override
        public void onStreamStop(ProcessorContext context) {
            long[] last = context.state(() -> new long[] {-1});
            STOPS.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>())
                    .add(context.streamKey() + "@" + last[0]);
        }
    }

    /**
     * Completes each batch after a random delay of up to {@code maxDelayMillis} on threads of its
     * own, so batches complete out of order; records the batches and how many were in flight.
     */
    public static final class AsyncShuffling implements BatchFrameProcessor {
        private static final long serialVersionUID = 1L;
        private final String run;
        private final int maxDelayMillis;
        private transient ScheduledExecutorService timers;
        private transient AtomicInteger inFlight;

        public AsyncShuffling(String run, int maxDelayMillis) {
            this.run = run;
            this.maxDelayMillis = maxDelayMillis;
        }

        @Override
        public void open(SlotContext slot) {
            timers = Executors.newScheduledThreadPool(4);
            inFlight = new AtomicInteger();
        }

        @Override
        public List<VideoFrame> processBatch(
                List<VideoFrame> frames, List<ProcessorContext> contexts) {
            throw new UnsupportedOperationException("the operator calls processBatchAsync");
        }

        @Override
        public CompletionStage<List<VideoFrame>> processBatchAsync(
                List<VideoFrame> frames, List<ProcessorContext> contexts) {
            List<String> members = new ArrayList<>();
            for (int i = 0; i < frames.size(); i++) {
                members.add(contexts.get(i).streamKey() + "@" + frames.get(i).pts());
            }
            BATCHES.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>()).add(members);
            MAX_IN_FLIGHT
                    .computeIfAbsent(run, k -> new AtomicInteger())
                    .accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<List<VideoFrame>> result = new CompletableFuture<>();
            timers.schedule(
                    () -> {
                        inFlight.decrementAndGet();
                        result.complete(frames);
                    },
                    ThreadLocalRandom.current().nextInt(maxDelayMillis),
                    TimeUnit.MILLISECONDS);
            return result;
        }

        @Override
        public void close() {
            timers.shutdownNow();
        }
    }
}
