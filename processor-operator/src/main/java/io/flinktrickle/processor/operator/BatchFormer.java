package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.BatchFrameException;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.ExceptionUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Cross-stream batching for a {@link BatchFrameProcessor}: the video frames that {@link
 * StreamQueues} hands over (within the usual in-flight bounds, so per-stream order, params barriers
 * and the real-time policy work as for single frames) join the forming batch, which is sent to the
 * processor as one call when one of these holds, and the slot has fewer than its limit of batches
 * in flight (1 for a synchronous processor, whose thread runs one call at a time; {@code
 * maxInFlightPerSlot / maxBatchSize} for an async one):
 *
 * <ul>
 *   <li>it holds {@code maxBatchSize} frames;
 *   <li>its first frame has waited {@code maxBatchDelay} for more;
 *   <li>no stream can add a frame (each is at its {@code maxInFlightPerStream}, stopping or
 *       errored), so waiting would gain nothing;
 *   <li>a stream with a frame in it has a params update or its stop waiting: those never wait for a
 *       batch to fill.
 * </ul>
 *
 * <p>Results come back one per frame; each completes its entry as a single frame's result would (a
 * failed frame passes through and is reported for its stream only; a batch that fails whole does so
 * for each of its frames).
 *
 * <p>Threads: {@link #add}, {@link #poll} and the completion mail run on the mailbox thread; {@link
 * #call} runs on the slot's processor thread and only reads the batch's frames and contexts; an
 * async result may complete on any thread and re-enters through the mailbox.
 */
final class BatchFormer {
    private static final Logger LOG = LoggerFactory.getLogger(BatchFormer.class);

    /** A wake-up timer (millisecond resolution) may fire this much before the batch is due. */
    private static final long TIMER_SLACK_NANOS = 1_000_000;

    /** How a frame's result completes its entry (StreamQueues' completion, mailbox thread). */
    interface Completion {
        void complete(StreamRuntime s, Entry e, List<? extends Frame> out, Throwable failure);
    }

    /** A frame of the batch and its stream. */
    private static final class Member {
        final StreamRuntime stream;
        final Entry entry;

        Member(StreamRuntime stream, Entry entry) {
            this.stream = stream;
            this.entry = entry;
        }
    }

    private final ProcessingSettings settings;
    private final ProcessorSlot slot;
    private final BatchFrameProcessor processor;
    private final MailboxExecutor mailbox;
    private final Completion completion;
    private final LongConsumer wakeUp;
    private final List<StreamRuntime> streams;
    private final BatchMetrics metrics;
    private final int maxBatchesInFlight;

    private List<Member> forming = new ArrayList<>();
    private long firstNanos;
    private int batchesInFlight;
    private boolean completing;

    /**
     * @param streams the slot's active streams (StreamQueues' list; read only)
     * @param wakeUp makes the mailbox call {@link #poll} at a {@code System.nanoTime()}
     */
    BatchFormer(
            ProcessingSettings settings,
            ProcessorSlot slot,
            MailboxExecutor mailbox,
            Completion completion,
            LongConsumer wakeUp,
            List<StreamRuntime> streams) {
        this.settings = settings;
        this.slot = slot;
        this.processor = (BatchFrameProcessor) slot.processor();
        this.mailbox = mailbox;
        this.completion = completion;
        this.wakeUp = wakeUp;
        this.streams = streams;
        this.metrics = slot.batchMetrics();
        this.maxBatchesInFlight = maxBatchesInFlight(settings, processor);
    }

    /** The batching of {@code slot}, or null if its processor does not take batches. */
    static BatchFormer of(
            ProcessingSettings settings,
            ProcessorSlot slot,
            MailboxExecutor mailbox,
            Completion completion,
            LongConsumer wakeUp,
            List<StreamRuntime> streams) {
        return slot.processor() instanceof BatchFrameProcessor
                ? new BatchFormer(settings, slot, mailbox, completion, wakeUp, streams)
                : null;
    }

    /** A synchronous processor's thread runs one batch at a time: the next one grows meanwhile. */
    private static int maxBatchesInFlight(
            ProcessingSettings settings, BatchFrameProcessor processor) {
        boolean async;
        try {
            async =
                    processor
                                    .getClass()
                                    .getMethod("processBatchAsync", List.class, List.class)
                                    .getDeclaringClass()
                            != BatchFrameProcessor.class;
        } catch (NoSuchMethodException e) {
            async = false;
        }
        return async ? Math.max(1, settings.maxInFlightPerSlot / settings.maxBatchSize) : 1;
    }

    /** Mailbox thread: whether the forming batch takes another frame. */
    boolean hasRoom() {
        return forming.size() < settings.maxBatchSize;
    }

    /** Mailbox thread: a video frame handed over (counted in flight) joins the forming batch. */
    void add(StreamRuntime s, Entry e) {
        if (forming.isEmpty()) {
            firstNanos = System.nanoTime();
        }
        forming.add(new Member(s, e));
        if (!completing) {
            poll();
        }
    }

    /** Mailbox thread: sends the forming batch if it is due, else asks to be woken when it is. */
    void poll() {
        if (forming.isEmpty() || batchesInFlight >= maxBatchesInFlight) {
            return; // a batch completing polls again
        }
        long dueNanos = firstNanos + settings.maxBatchDelayNanos;
        if (!hasRoom()
                || System.nanoTime() >= dueNanos - TIMER_SLACK_NANOS
                || noStreamCanAdd()
                || barrierWaits()) {
            send();
        } else {
            wakeUp.accept(dueNanos);
        }
    }

    private boolean noStreamCanAdd() {
        for (StreamRuntime s : streams) {
            if (!s.stopping && !s.errored && s.inFlight < settings.maxInFlightPerStream) {
                return false;
            }
        }
        return true;
    }

    private boolean barrierWaits() {
        for (Member m : forming) {
            for (Entry e : m.stream.waiting) {
                if (e.isBarrier()) {
                    return true;
                }
            }
        }
        return false;
    }

    private void send() {
        List<Member> batch = forming;
        forming = new ArrayList<>(settings.maxBatchSize);
        batchesInFlight++;
        long now = System.nanoTime();
        metrics.sent(batch.size(), now - firstNanos);
        for (Member m : batch) {
            m.entry.submittedNanos = now;
        }
        if (!slot.submit(() -> call(batch))) {
            completed(batch, null, new IllegalStateException("the processor slot is closed"));
        }
    }

    /** Processor thread: one call for the batch. */
    private void call(List<Member> batch) {
        if (slot.isClosing()) {
            return; // the operator is closing: queued work is skipped, nothing is emitted
        }
        List<VideoFrame> frames = new ArrayList<>(batch.size());
        List<ProcessorContext> contexts = new ArrayList<>(batch.size());
        for (Member m : batch) {
            frames.add((VideoFrame) m.entry.frame);
            contexts.add(m.stream);
        }
        try {
            CompletionStage<List<VideoFrame>> stage = processor.processBatchAsync(frames, contexts);
            if (stage == null) {
                throw new NullPointerException("processBatchAsync returned null");
            }
            // A copy, so that the timeout never touches the processor's own future.
            stage.toCompletableFuture()
                    .copy()
                    .orTimeout(settings.processingTimeoutMillis, TimeUnit.MILLISECONDS)
                    .whenComplete((out, error) -> returnResults(batch, out, error));
        } catch (Throwable t) {
            returnResults(batch, null, t);
        }
    }

    /** Any thread: the results re-enter through the mailbox. */
    private void returnResults(List<Member> batch, List<VideoFrame> out, Throwable error) {
        try {
            mailbox.execute(() -> completed(batch, out, error), "batch processed");
        } catch (RejectedExecutionException closed) {
            LOG.debug("Results of a batch of {} after the operator closed", batch.size());
        }
    }

    /** Mailbox thread: each frame's result completes its entry; then the next batch may go. */
    private void completed(List<Member> batch, List<VideoFrame> out, Throwable error) {
        batchesInFlight--;
        Throwable cause = error == null ? null : ExceptionUtils.stripCompletionException(error);
        if (cause == null && (out == null || out.size() != batch.size())) {
            cause =
                    new IllegalStateException(
                            "processBatch gave "
                                    + (out == null ? "null" : out.size() + " results")
                                    + " for a batch of "
                                    + batch.size()
                                    + " frames");
        }
        BatchFrameException partial =
                cause instanceof BatchFrameException ? (BatchFrameException) cause : null;
        if (partial != null && partial.results().size() != batch.size()) {
            partial = null; // not this batch's shape: the batch failed whole
        }
        completing = true;
        try {
            for (int i = 0; i < batch.size(); i++) {
                Member m = batch.get(i);
                Throwable failure = partial != null ? partial.failures().get(i) : cause;
                VideoFrame result =
                        failure != null
                                ? null
                                : partial != null ? partial.results().get(i) : out.get(i);
                completion.complete(
                        m.stream, m.entry, result == null ? List.of() : List.of(result), failure);
            }
        } finally {
            completing = false;
        }
        poll();
    }
}
