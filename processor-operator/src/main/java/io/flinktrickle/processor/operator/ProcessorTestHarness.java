package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.Preconditions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a {@link FrameProcessor} the way the operator does, without Flink: for testing a processor
 * in a plain unit test. It opens the processor on a slot of its own (the device you choose, a
 * processor thread on which every processor call runs, an {@code NDManager} on that device) and
 * gives you streams ({@link HarnessStream}) to feed video and audio frames and params updates to,
 * with the same {@code ProcessorContext} the operator gives (params, state, {@code sendData},
 * {@code sendEvent}, the slot's device and metrics). Time is the harness's own: {@link #advance}
 * moves it and flushes what the operator flushes on its timers (data lines, heartbeats).
 *
 * <pre>{@code
 * try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new WhiteBox()).build()) {
 *     HarnessStream stream = harness.startStream("s1", Map.of("size", 8));
 *     VideoFrame out = stream.processVideo(VideoFrame.builder(64, 64).fill(0, 0, 0).build());
 *     assertEquals((byte) 255, out.rgb()[0]);
 * }
 * }</pre>
 *
 * <p>A {@link BatchFrameProcessor} gets single frames as batches of one, and the batches you form
 * with {@link #processBatch}.
 *
 * <p>What differs from a running job: frames are handed to the processor one at a time and the call
 * waits for the result (no queues, no real-time policy, no fps cap), a processor's exception is
 * thrown to the caller instead of passing the frame through, and params updates are validated as
 * the operator validates them (PyTrickle's rules) but do not travel through a channel.
 *
 * <p>Threads: use a harness from one test thread; processor calls run on its processor thread.
 */
@PublicEvolving
public final class ProcessorTestHarness implements AutoCloseable {

    final ProcessingSettings settings;
    final ProcessorSlot slot;
    final Duration callTimeout;
    private final List<HarnessStream> streams = new ArrayList<>();
    private long nowMillis;
    private boolean closed;

    private ProcessorTestHarness(Builder b, ProcessingSettings settings) throws Exception {
        this.settings = settings;
        this.callTimeout = b.callTimeout;
        DeviceSelector.Choice choice = DeviceSelector.select(List.of(), List.of(b.device));
        this.slot =
                new ProcessorSlot(
                        settings,
                        choice,
                        b.subtaskIndex,
                        UnregisteredMetricsGroup.createOperatorMetricGroup(),
                        "frame-processor-harness");
        try {
            slot.open(null);
        } catch (Exception e) {
            slot.close();
            throw e;
        }
    }

    /** A harness for {@code processor} (opened by {@link Builder#build()}). */
    public static Builder builder(FrameProcessor processor) {
        return new Builder(processor);
    }

    /** The slot the processor was opened on (its device, NDManager, subtask index). */
    public SlotContext slot() {
        return slot;
    }

    /** The harness's clock, in milliseconds from 0 when it was built. */
    public long nowMillis() {
        return nowMillis;
    }

    /** A stream starts without params ({@code onStreamStart}). */
    public HarnessStream startStream(String streamId) throws Exception {
        return startStream(streamId, Map.of());
    }

    /**
     * A stream starts with {@code params} ({@code onStreamStart}; they are validated as start
     * params are: invalid ones throw {@link IllegalArgumentException}).
     */
    public HarnessStream startStream(String streamId, Map<String, ?> params) throws Exception {
        checkOpen();
        Preconditions.checkArgument(
                streamId != null && !streamId.isEmpty(), "a stream needs an id");
        for (HarnessStream s : streams) {
            Preconditions.checkArgument(
                    !s.runtime.key.equals(streamId) || s.stopped,
                    "stream %s is running already",
                    streamId);
        }
        Map<String, Object> start;
        try {
            start = StreamParams.validate(params);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid start params: " + e.getMessage(), e);
        }
        HarnessStream stream = new HarnessStream(this, streamId, start, nowMillis);
        streams.add(stream);
        call(
                () -> {
                    settings.processor.onStreamStart(stream.runtime);
                    return null;
                });
        return stream;
    }

    /**
     * Moves the harness's clock by {@code time}; each running stream then flushes its data lines
     * (every {@code dataFlushInterval}) and emits its heartbeat (every {@code heartbeatInterval})
     * as the operator would.
     */
    public void advance(Duration time) {
        checkOpen();
        Preconditions.checkArgument(!time.isNegative(), "time only moves forward");
        nowMillis += time.toMillis();
        for (HarnessStream s : streams) {
            if (!s.stopped) {
                s.timers(nowMillis);
            }
        }
    }

    /**
     * Hands one batch to a {@link BatchFrameProcessor} ({@code processBatchAsync}, as the operator
     * calls it): {@code frames.get(i)} of {@code streams.get(i)}; waits for the results.
     *
     * @return one result per frame (null: withheld)
     * @throws Exception what the processor threw ({@link
     *     io.flinktrickle.processor.api.BatchFrameException} when only some frames failed; the
     *     operator would pass the failed frames through and report them for their streams)
     */
    public List<VideoFrame> processBatch(List<HarnessStream> streams, List<VideoFrame> frames)
            throws Exception {
        checkOpen();
        Preconditions.checkState(
                settings.processor instanceof BatchFrameProcessor,
                "%s is not a BatchFrameProcessor",
                settings.processor.getClass().getName());
        Preconditions.checkArgument(
                streams.size() == frames.size() && !frames.isEmpty(),
                "a batch needs one stream per frame, and at least one frame");
        List<ProcessorContext> contexts = new ArrayList<>();
        for (HarnessStream s : streams) {
            Preconditions.checkArgument(
                    this.streams.contains(s) && !s.stopped, "stream %s is not running", s.id());
            contexts.add(s.runtime);
            s.runtime.videoIn.inc();
        }
        BatchFrameProcessor processor = (BatchFrameProcessor) settings.processor;
        CompletionStage<List<VideoFrame>> stage =
                call(() -> processor.processBatchAsync(List.copyOf(frames), contexts));
        Preconditions.checkState(stage != null, "processBatchAsync returned null");
        List<VideoFrame> out = await(stage.toCompletableFuture());
        Preconditions.checkState(
                out != null && out.size() == frames.size(),
                "processBatch must give %s results",
                frames.size());
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) != null) {
                streams.get(i).runtime.videoOut.inc();
            }
        }
        return out;
    }

    /** Runs {@code work} on the processor thread and waits for it (its exception is thrown). */
    <T> T call(Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        boolean queued =
                slot.submit(
                        () -> {
                            try {
                                result.complete(work.call());
                            } catch (Throwable t) {
                                result.completeExceptionally(t);
                            }
                        });
        Preconditions.checkState(queued, "the harness is closed");
        return await(result);
    }

    /** Waits for a processor result at most the call timeout; unwraps its failure. */
    <T> T await(CompletableFuture<T> result) throws Exception {
        try {
            return result.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new TimeoutException(
                    "the processor did not answer within " + callTimeout + " (callTimeout)");
        }
    }

    private void checkOpen() {
        Preconditions.checkState(!closed, "the harness is closed");
    }

    /** Stops the streams still running ({@code onStreamStop}), then closes the processor. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        Exception failure = null;
        for (HarnessStream s : streams) {
            if (!s.stopped) {
                try {
                    s.stop();
                } catch (Exception e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        closed = true;
        slot.close();
        if (failure != null) {
            throw failure;
        }
    }

    /** Settings of a harness; validated in {@link #build()}. */
    @PublicEvolving
    public static final class Builder {
        private final FrameProcessor processor;
        private final FrameProcessing.Builder processing;
        private String device = "cpu";
        private int subtaskIndex;
        private Duration callTimeout = Duration.ofSeconds(30);

        private Builder(FrameProcessor processor) {
            this.processor = Preconditions.checkNotNull(processor, "processor");
            this.processing = FrameProcessing.builder(processor);
        }

        /** The slot's device: {@code cpu} (default), {@code gpu:N}. */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        /** The slot's subtask index the processor sees (default 0). */
        public Builder subtaskIndex(int subtaskIndex) {
            this.subtaskIndex = subtaskIndex;
            return this;
        }

        /** How long one processor call may take before the harness gives up (default 30 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /** As {@link FrameProcessing.Builder#heartbeatInterval} (default 10 s). */
        public Builder heartbeatInterval(Duration interval) {
            processing.heartbeatInterval(interval);
            return this;
        }

        /** As {@link FrameProcessing.Builder#dataFlushInterval}. */
        public Builder dataFlushInterval(Duration interval) {
            processing.dataFlushInterval(interval);
            return this;
        }

        /** As {@link FrameProcessing.Builder#dataMaxItems}. */
        public Builder dataMaxItems(int items) {
            processing.dataMaxItems(items);
            return this;
        }

        /** As {@link FrameProcessing.Builder#dataMaxLineBytes}. */
        public Builder dataMaxLineBytes(int bytes) {
            processing.dataMaxLineBytes(bytes);
            return this;
        }

        /**
         * Validates the settings (the processor must be serializable, as a job needs it) and opens
         * the processor ({@code open}, then {@code warmUp}) on its slot.
         *
         * @throws Exception the processor's failure to open
         */
        public ProcessorTestHarness build() throws Exception {
            Preconditions.checkArgument(subtaskIndex >= 0, "subtaskIndex must be >= 0");
            Preconditions.checkArgument(
                    callTimeout != null && !callTimeout.isNegative() && !callTimeout.isZero(),
                    "callTimeout must be positive");
            Preconditions.checkArgument(device != null, "device");
            DeviceSelector.parse(device); // a clear error for a bad device name
            Preconditions.checkArgument(
                    InstantiationUtil.isSerializable(processor),
                    "the processor %s must be serializable (keep models in fields set in open())",
                    processor.getClass().getName());
            return new ProcessorTestHarness(this, processing.build().settings());
        }
    }
}
