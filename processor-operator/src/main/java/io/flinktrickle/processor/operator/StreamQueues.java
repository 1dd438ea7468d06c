package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.ExceptionUtils;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The ordered queues of every stream on a slot: admission under the {@link RealTimePolicy}, hand
 * over to the processor thread within the in-flight bounds, completion, and emission in arrival
 * order.
 *
 * <p>A {@link io.flinktrickle.processor.api.BatchFrameProcessor}'s video frames are handed to a
 * {@link BatchFormer}, which calls the processor once for the frames of several streams.
 *
 * <p>Threads: {@link #offer} and the completion mails run on the mailbox thread; the work in {@link
 * #run} runs on the processor thread and only touches the entry and the stream's context.
 */
final class StreamQueues {
    private static final Logger LOG = LoggerFactory.getLogger(StreamQueues.class);

    private final ProcessingSettings settings;
    private final ProcessorSlot slot;
    private final MailboxExecutor mailbox;
    private final FrameProcessorOperator.Emitter emitter;
    private final boolean audioPassthrough;

    /** Makes the mailbox run a mail at the given {@code System.nanoTime()} at the latest. */
    private final java.util.function.LongConsumer wakeUp;

    private final List<StreamRuntime> active = new ArrayList<>();
    private final BatchFormer batches; // null unless the processor takes batches
    private int slotInFlight;

    StreamQueues(
            ProcessingSettings settings,
            ProcessorSlot slot,
            MailboxExecutor mailbox,
            FrameProcessorOperator.Emitter emitter,
            java.util.function.LongConsumer wakeUp) {
        this.wakeUp = wakeUp;
        this.settings = settings;
        this.slot = slot;
        this.mailbox = mailbox;
        this.emitter = emitter;
        this.audioPassthrough = overridesNothing(slot.processor().getClass());
        this.batches = BatchFormer.of(settings, slot, mailbox, this::complete, wakeUp, active);
    }

    private static boolean overridesNothing(Class<?> processorClass) {
        try {
            return processorClass
                            .getMethod(
                                    "processAudio",
                                    AudioFrame.class,
                                    io.flinktrickle.processor.api.ProcessorContext.class)
                            .getDeclaringClass()
                    == FrameProcessor.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * Mailbox thread, before {@link #offer}ing a video frame: waits (running other mails, which
     * bring results) until the stream has room for it. Under {@link RealTimePolicy#BLOCK} for as
     * long as that takes. Under {@link RealTimePolicy#DROP_OLDEST} a full queue holds the input
     * back too, so a backlog that the processor clears in time (a starting stream's burst, input
     * arriving faster than real time) is processed, not dropped: the oldest waiting frame is
     * dropped only when it has waited {@code maxQueueDelay} for a busy processor, or when the input
     * frame has fallen {@code maxQueueDelay} behind its real-time schedule ({@link RealTimeClock}),
     * so that a live stream's lag never moves upstream.
     */
    void awaitRoom(StreamRuntime s, long pts) throws InterruptedException {
        if (settings.policy == RealTimePolicy.BLOCK) {
            while (s.waiting.size() >= settings.maxQueuedFrames) {
                mailbox.yield();
            }
        } else if (settings.policy == RealTimePolicy.DROP_OLDEST) {
            s.clock.arrived(
                    pts, System.currentTimeMillis(), s.waitingVideo == 0 && s.inFlight == 0);
            while (s.waitingVideo >= settings.maxQueuedFrames) {
                Entry oldest = oldestWaitingVideo(s);
                long dueNanos = oldest.receivedNanos + settings.maxQueueDelayNanos;
                long late = s.clock.lateMillis(pts, System.currentTimeMillis());
                if (System.nanoTime() >= dueNanos
                        || late * 1_000_000 > settings.maxQueueDelayNanos) {
                    // It waited its time for a busy processor, or holding the input back any
                    // longer would only move a live stream's lag upstream, where nothing bounds it.
                    dropOldestVideo(s);
                    continue;
                }
                wakeUp.accept(
                        Math.min(
                                dueNanos,
                                System.nanoTime()
                                        + settings.maxQueueDelayNanos
                                        - late * 1_000_000)); // mail or not, the wait ends then
                mailbox.yield();
            }
        }
    }

    private static Entry oldestWaitingVideo(StreamRuntime s) {
        for (Entry e : s.waiting) {
            if (e.kind == Entry.Kind.VIDEO) {
                return e;
            }
        }
        throw new IllegalStateException("no waiting video frame in a full queue");
    }

    /** Mailbox thread: takes back a stop of {@code s} that was not handed over yet. */
    void cancelStop(StreamRuntime s) {
        for (Iterator<Entry> it = s.waiting.iterator(); it.hasNext(); ) {
            if (it.next().kind == Entry.Kind.STOP) {
                it.remove();
                s.stopping = false;
                return;
            }
        }
    }

    /** Mailbox thread: queues an entry of {@code s} and moves what can move. */
    void offer(StreamRuntime s, Entry e) {
        if (!active.contains(s)) {
            active.add(s);
        }
        if (e.kind == Entry.Kind.AUDIO && audioPassthrough) {
            e.done = true;
            e.output = List.of(e.frame);
        }
        s.waiting.addLast(e);
        if (e.kind == Entry.Kind.VIDEO) {
            s.waitingVideo++;
        }
        if (settings.policy == RealTimePolicy.DROP_OLDEST) {
            while (s.waitingVideo > settings.maxQueuedFrames) {
                dropOldestVideo(s);
            }
        }
        pump(s);
        emitReady(s);
        onTimer(); // a params update or stop sends the forming batch without delay
    }

    /** Mailbox thread, on a wake-up: sends the forming batch if it is due. */
    void onTimer() {
        if (batches != null) {
            batches.poll();
        }
    }

    private void dropOldestVideo(StreamRuntime s) {
        for (Iterator<Entry> it = s.waiting.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.kind == Entry.Kind.VIDEO) {
                it.remove();
                dropped(s, e);
                return;
            }
        }
    }

    /** A waiting video frame was dropped: counted, and its keyframe mark goes to the next one. */
    private static void dropped(StreamRuntime s, Entry e) {
        s.waitingVideo--;
        s.dropped.inc();
        s.queueOwesKeyframe |= e.keyframe;
    }

    /** Hands entries of {@code s} to the processor while the bounds and barriers allow. */
    private void pump(StreamRuntime s) {
        while (!s.waiting.isEmpty()) {
            Entry head = s.waiting.peekFirst();
            Entry last = s.pending.peekLast();
            boolean blockedByBarrier = last != null && last.isBarrier() && !last.done;
            if (blockedByBarrier || (head.isBarrier() && s.inFlight > 0)) {
                return;
            }
            if (!head.done
                    && (s.inFlight >= settings.maxInFlightPerStream
                            || slotInFlight >= settings.maxInFlightPerSlot
                            || (batches != null
                                    && head.kind == Entry.Kind.VIDEO
                                    && !batches.hasRoom()))) {
                return;
            }
            if (isStale(s, head)) {
                s.waiting.removeFirst(); // behind real time: a newer frame is waiting
                dropped(s, head);
                continue;
            }
            s.waiting.removeFirst();
            if (head.kind == Entry.Kind.VIDEO) {
                s.waitingVideo--;
                head.keyframe |= s.queueOwesKeyframe;
                s.queueOwesKeyframe = false;
            }
            s.pending.addLast(head);
            if (!head.done && head.kind == Entry.Kind.VIDEO && s.errored) {
                head.done = true; // an errored stream passes frames through unprocessed
                head.output = List.of(head.frame);
            }
            if (!head.done) {
                submit(s, head);
            }
        }
    }

    /**
     * Under {@link RealTimePolicy#DROP_OLDEST}: a video frame that waited longer than {@code
     * maxQueueDelay} while a newer one waits behind it is dropped rather than processed late.
     */
    private boolean isStale(StreamRuntime s, Entry head) {
        return settings.policy == RealTimePolicy.DROP_OLDEST
                && head.kind == Entry.Kind.VIDEO
                && !head.done
                && s.waitingVideo > 1
                && System.nanoTime() - head.receivedNanos > settings.maxQueueDelayNanos;
    }

    private void submit(StreamRuntime s, Entry e) {
        e.submittedNanos = System.nanoTime();
        s.inFlight++;
        slotInFlight++;
        if (batches != null && e.kind == Entry.Kind.VIDEO) {
            batches.add(s, e); // one call for the frames of several streams
        } else if (!slot.submit(() -> run(s, e))) {
            complete(s, e, List.of(), new IllegalStateException("the processor slot is closed"));
        }
    }

    /** Processor thread. */
    private void run(StreamRuntime s, Entry e) {
        if (slot.isClosing()) {
            return; // the operator is closing: queued work is skipped, nothing is emitted
        }
        FrameProcessor p = slot.processor();
        try {
            switch (e.kind) {
                case VIDEO:
                    CompletionStage<VideoFrame> stage =
                            p.processVideoAsync((VideoFrame) e.frame, s);
                    if (stage == null) {
                        throw new NullPointerException("processVideoAsync returned null");
                    }
                    // A copy, so that the timeout never touches the processor's own future.
                    stage.toCompletableFuture()
                            .copy()
                            .orTimeout(settings.processingTimeoutMillis, TimeUnit.MILLISECONDS)
                            .whenComplete(
                                    (out, error) ->
                                            returnResult(
                                                    s,
                                                    e,
                                                    out == null ? List.of() : List.of(out),
                                                    error));
                    return;
                case AUDIO:
                    List<? extends Frame> audio = p.processAudio((AudioFrame) e.frame, s);
                    returnResult(s, e, audio == null ? List.of() : audio, null);
                    return;
                case START:
                    p.onStreamStart(s);
                    break;
                case PARAMS:
                    Map<String, Object> previous = s.params();
                    e.merged = StreamParams.merge(previous, e.update);
                    s.setParams(e.merged);
                    try {
                        p.updateParams(e.update, s);
                    } catch (Throwable t) {
                        s.setParams(previous);
                        throw t;
                    }
                    break;
                case STOP:
                    p.onStreamStop(s);
                    break;
                default:
                    throw new IllegalStateException("unknown entry " + e.kind);
            }
            returnResult(s, e, List.of(), null);
        } catch (Throwable t) {
            returnResult(s, e, List.of(), t);
        }
    }

    /** Any thread: the result re-enters through the mailbox. */
    private void returnResult(StreamRuntime s, Entry e, List<? extends Frame> out, Throwable t) {
        try {
            mailbox.execute(() -> complete(s, e, out, t), "frame processed");
        } catch (RejectedExecutionException closed) {
            LOG.debug("Result for stream {} after the operator closed", s.key);
        }
    }

    /** Mailbox thread. */
    private void complete(StreamRuntime s, Entry e, List<? extends Frame> out, Throwable t) {
        e.done = true;
        s.inFlight--;
        slotInFlight--;
        long now = System.currentTimeMillis();
        Throwable cause = t == null ? null : ExceptionUtils.stripCompletionException(t);
        switch (e.kind) {
            case VIDEO:
            case AUDIO:
                if (e.kind == Entry.Kind.VIDEO) {
                    s.processingMillis.update((System.nanoTime() - e.submittedNanos) / 1_000_000);
                }
                if (cause == null) {
                    e.output = out;
                    s.consecutiveFailures = 0;
                } else {
                    e.output = List.of(e.frame); // a failed frame passes through
                    StreamFailures.report(s, e.kind, cause, now, settings, emitter);
                }
                break;
            case PARAMS:
                ObjectNode event = StreamEvents.paramsUpdated(now, e.source, e.seq);
                if (cause == null) {
                    event.put("status", "ok");
                    event.set("params", StreamEvents.MAPPER.valueToTree(e.merged));
                    s.errored = false;
                    s.consecutiveFailures = 0;
                    emitter.paramsAccepted(s, e.merged);
                } else {
                    s.fpsCap.setFps(e.previousFps);
                    event.put("status", "error");
                    event.put("error", "updateParams failed: " + cause);
                    LOG.warn(
                            "Params update of stream {} failed; previous params stay",
                            s.key,
                            cause);
                }
                emitter.event(s, event);
                break;
            default:
                if (cause != null) {
                    LOG.warn("{} of stream {} failed", e.kind, s.key, cause);
                    ObjectNode error = StreamEvents.event(StreamEvents.ERROR, now);
                    error.put("message", e.kind.name().toLowerCase() + " failed: " + cause);
                    emitter.event(s, error);
                }
        }
        emitReady(s);
        pump(s);
        for (StreamRuntime other : new ArrayList<>(active)) {
            if (other != s) {
                pump(other);
                emitReady(other);
            }
        }
    }

    /** Emits the completed entries at the head of {@code s}'s queue, in order. */
    private void emitReady(StreamRuntime s) {
        while (!s.pending.isEmpty() && s.pending.peekFirst().done) {
            Entry e = s.pending.removeFirst();
            boolean markKeyframe = e.kind == Entry.Kind.VIDEO && (e.keyframe || s.emitOwesKeyframe);
            for (Frame f : e.output) {
                if (markKeyframe && f instanceof VideoFrame) {
                    // The processor's frame (new or not) starts the GOP where the input did.
                    VideoFrame v = (VideoFrame) f;
                    f = v.keyframe() ? v : v.withKeyframe(true);
                    markKeyframe = false;
                }
                emitter.frame(s, f);
            }
            if (e.kind == Entry.Kind.VIDEO) {
                s.emitOwesKeyframe = markKeyframe; // withheld: the next video out takes the mark
            }
            if (e.kind == Entry.Kind.STOP) {
                active.remove(s);
                emitter.stopped(s);
                return;
            }
        }
    }
}
