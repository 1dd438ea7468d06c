package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * Runs a {@link FrameProcessor} on live streams. Its input is keyed by stream: video and audio
 * frames, {@link ControlFrame}s with params messages from the stream's control channels (in band;
 * see {@link io.flinktrickle.connector.trickle.media.StreamChannelsDecoder}), and the stream's
 * start and end ({@link StreamLifecycle}). Frames of a stream leave in arrival order; video past
 * the real-time policy's bounds is dropped oldest-first (see {@link RealTimePolicy}); params
 * updates are ordered with the frames.
 *
 * <p>A stream's start (from the source: a new stream, or one resumed after a restore) carries its
 * attributes: its start params, and its channels, to which its events and data are addressed; it is
 * passed on to the sinks, ahead of the stream's frames. Its end stops the stream after its queued
 * frames ({@code onStreamStop}, the last data batch, {@code stream_stopped}), then ends its output
 * channels downstream and clears its state. A failure (the end's, or no input for the idle timeout)
 * is an {@code error} event and the {@code error} of its {@code stream_stopped}; an input problem
 * of a running stream (a {@link StreamLifecycle#error} frame) an {@code error} event.
 *
 * <p>Threads: everything here runs on the task's mailbox thread, except the processor calls, which
 * {@link StreamQueues} hands to the slot's processor thread and whose results come back as mails.
 * The mailbox thread never waits for the processor (except under {@link RealTimePolicy#BLOCK} and
 * at end of input, where it yields to the mailbox until results arrive).
 *
 * <p>Checkpoints: the latest validated params of each stream are keyed state (exactly-once,
 * rescalable with the stream); the control messages' source positions are checkpointed with it.
 * Frames in flight are not stored: after a restore the live stream continues from the source's
 * position, and frames that were waiting for the processor are not replayed.
 */
@Internal
public final class FrameProcessorOperator extends AbstractStreamOperator<Frame>
        implements OneInputStreamOperator<Frame, Frame>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FrameProcessorOperator.class);

    /** The latest validated params of the stream (keyed state), as a JSON object. */
    static final ValueStateDescriptor<String> PARAMS_STATE =
            new ValueStateDescriptor<>("stream-params", Types.STRING);

    private static final long MAX_TICK_MILLIS = 1_000;

    private final ProcessingSettings settings;
    private final MailboxExecutor mailbox;
    private final Map<String, StreamRuntime> streams = new LinkedHashMap<>();
    private final Map<String, StreamMetrics> streamMetrics = new HashMap<>();

    /** Attributes of the streams that started in band (their start frame), by key. */
    private final Map<String, Map<String, String>> announced = new HashMap<>();

    private transient ValueState<String> paramsState;
    private transient ProcessorSlot slot;
    private transient StreamQueues queues;
    private transient StreamOutputs outputs;
    private transient ParamsControl params;
    private transient ScheduledFuture<?> ticker;

    /** Set in {@link #close}: no tick is scheduled after it. */
    private transient boolean closed;

    private boolean framesEnded;
    private long wakeUpNanos;

    FrameProcessorOperator(
            StreamOperatorParameters<Frame> parameters, ProcessingSettings settings) {
        super(parameters);
        this.settings = settings;
        this.mailbox = parameters.getMailboxExecutor();
    }

    @Override
    public void processElement(StreamRecord<Frame> element) throws Exception {
        Frame frame = element.getValue();
        if (StreamLifecycle.isLifecycle(frame)) {
            onLifecycle((ControlFrame) frame);
        } else if (frame.isControl()) {
            params.onControl((ControlFrame) frame, streams.get(frame.streamKey()));
        } else {
            onFrame(frame);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        paramsState = getRuntimeContext().getState(PARAMS_STATE);
        outputs = new StreamOutputs(output, settings);
        params =
                new ParamsControl(
                        this::setCurrentKey, paramsState, this::startParams, this::urls, outputs);
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        DeviceSelector.Choice choice =
                DeviceSelector.select(
                        getRuntimeContext().getExternalResourceInfos(DeviceSelector.GPU_RESOURCE),
                        settings.devices);
        String device = DeviceSelector.describe(choice.device);
        LOG.info("Frame processor subtask {} runs on {} ({})", subtask, device, choice.source);
        getMetricGroup().gauge("device", () -> device);
        getMetricGroup()
                .gauge(
                        "deviceIndex",
                        () -> choice.device.isGpu() ? choice.device.getDeviceId() : -1);
        slot =
                new ProcessorSlot(
                        settings,
                        choice,
                        subtask,
                        getMetricGroup(),
                        "frame-processor-"
                                + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks());
        slot.open(settings.warmUp);
        queues = new StreamQueues(settings, slot, mailbox, new Emitter(), this::wakeUpAt);
        params.queues(queues);
    }

    /**
     * The periodic tick (data flush, heartbeats, idle stops) runs while the operator has streams: a
     * runner without streams wakes for nothing.
     */
    private void tickWhileStreams() {
        if (streams.isEmpty() || closed) {
            if (ticker != null) {
                ticker.cancel(false);
                ticker = null;
            }
        } else if (ticker == null) {
            long tick = Math.min(MAX_TICK_MILLIS, settings.dataFlushMillis);
            ticker = getProcessingTimeService().scheduleWithFixedDelay(t -> tick(), tick, tick);
        }
    }

    /**
     * A processing-time timer at {@code dueNanos} (whose firing is a mail that also sends a due
     * batch), unless one is due earlier.
     */
    private void wakeUpAt(long dueNanos) {
        if (wakeUpNanos != 0 && wakeUpNanos <= dueNanos && wakeUpNanos > System.nanoTime()) {
            return;
        }
        wakeUpNanos = dueNanos;
        long at = System.currentTimeMillis() + (dueNanos - System.nanoTime()) / 1_000_000 + 1;
        getProcessingTimeService().registerTimer(at, t -> queues.onTimer());
    }

    // ---- frames ----

    private void onFrame(Frame frame) throws Exception {
        long now = System.currentTimeMillis();
        String key = frame.streamKey();
        StreamRuntime s = streamFor(key, now);
        if (s.stopping && !s.ended) {
            queues.cancelStop(s); // input came back before the idle stop ran
        }
        s.lastInputMillis = now;
        if (!s.firstInputSeen) {
            s.firstInputSeen = true;
            outputs.event(s, StreamEvents.event(StreamEvents.FIRST_INPUT, now));
        }
        boolean owedKeyframe = false;
        if (frame.isVideo()) {
            s.videoIn.inc();
            if (!s.fpsCap.admit(frame.pts(), ((VideoFrame) frame).keyframe())) {
                s.skipped.inc();
                return;
            }
            owedKeyframe = s.fpsCap.takeOwedKeyframe(); // from this cap, before any restart
            queues.awaitRoom(s, frame.pts());
            s = streamFor(key, now); // the stream may have been restarted while waiting
        } else {
            s.audioIn.inc();
        }
        Entry entry = Entry.frame(frame, System.nanoTime());
        entry.keyframe |= owedKeyframe;
        queues.offer(s, entry);
    }

    private StreamRuntime streamFor(String key, long now) {
        StreamRuntime s = streams.get(key);
        if (s != null) {
            return s;
        }
        Map<String, Object> current = params.current(key);
        Object fps = current.get(StreamParams.MAX_FRAMERATE);
        s =
                new StreamRuntime(
                        key,
                        StreamLifecycle.id(key, announced.getOrDefault(key, Map.of())),
                        urls(key),
                        current,
                        fps instanceof Integer ? (Integer) fps : settings.maxFramerate,
                        settings,
                        slot,
                        streamMetrics.computeIfAbsent(
                                key,
                                k ->
                                        StreamMetrics.register(
                                                getMetricGroup(),
                                                StreamLifecycle.publicId(
                                                        k, announced.getOrDefault(k, Map.of())),
                                                k,
                                                DeviceSelector.describe(slot.device()))),
                        this::customEvent,
                        now);
        streams.put(key, s);
        tickWhileStreams();
        ObjectNode started = StreamEvents.event(StreamEvents.STREAM_STARTED, now);
        started.put("device", DeviceSelector.describe(slot.device()));
        started.put("subtask", slot.subtaskIndex());
        started.set("params", StreamEvents.MAPPER.valueToTree(current));
        outputs.event(s, started);
        outputs.event(s, s.heartbeat(now), StreamEvents.QUEUE_HEARTBEAT);
        queues.offer(s, Entry.lifecycle(Entry.Kind.START, System.nanoTime()));
        return s;
    }

    /** The stream's channels by role: announced, else configured. */
    private Map<String, String> urls(String key) {
        Map<String, String> attributes = announced.get(key);
        Map<String, String> urls = attributes == null ? Map.of() : StreamLifecycle.urls(attributes);
        return urls.isEmpty() ? settings.streamUrls.getOrDefault(key, Map.of()) : urls;
    }

    /** The start params of a stream that has no params state: announced, else configured. */
    private String startParams(String key) {
        Map<String, String> attributes = announced.get(key);
        String json = attributes == null ? null : attributes.get(StreamLifecycle.PARAMS);
        return json != null ? json : settings.initialParamsJson.get(key);
    }

    // ---- a stream's start and end (in band, from the source) ----

    private void onLifecycle(ControlFrame frame) throws InterruptedException {
        String key = frame.streamKey();
        StreamRuntime s = streams.get(key);
        if (StreamLifecycle.isStart(frame)) {
            while (s != null && s.ended) {
                // A new run of the key: the previous one finishes its frames and stops first
                // (its results arrive as mails), so that nothing of the two runs mixes.
                mailbox.yield();
                s = streams.get(key);
            }
            start(frame, s);
        } else if (StreamLifecycle.isEnd(frame)) {
            String failure = StreamLifecycle.failure(frame);
            if (s == null) {
                // Stopped already (idle): only its channels and state are left to end.
                outputs.endChannels(key, urls(key));
                forget(key);
                return;
            }
            if (failure != null) {
                outputs.failed(s, failure);
            }
            s.ended = true;
            if (!s.stopping) {
                stop(s);
            }
        } else if (StreamLifecycle.isError(frame)) {
            if (s != null && !s.stopping) { // the stream goes on; its caller hears why
                outputs.event(s, StreamEvents.error(StreamLifecycle.failure(frame), "input"));
            }
        }
    }

    private void start(ControlFrame frame, StreamRuntime running) {
        String key = frame.streamKey();
        Map<String, String> attributes = StreamLifecycle.attributes(frame);
        announced.put(key, attributes);
        outputs.lifecycle(frame); // the sinks learn the stream's channels before its frames
        if (running != null) {
            Map<String, String> urls = StreamLifecycle.urls(attributes);
            if (!urls.isEmpty()) {
                running.urls = urls; // the same stream again (re-announced after a restore)
            }
        } else {
            streamFor(key, System.currentTimeMillis());
        }
    }

    /** Drops what the operator keeps of an ended stream: a long-lived job sees many. */
    private void forget(String key) {
        announced.remove(key);
        params.clear(key);
        StreamMetrics metrics = streamMetrics.remove(key);
        if (metrics != null && metrics.group instanceof AbstractMetricGroup) {
            ((AbstractMetricGroup<?>) metrics.group).close();
        }
    }

    // ---- periodic work: data batches, heartbeats, idle streams ----

    private void tick() throws Exception {
        long now = System.currentTimeMillis();
        for (StreamRuntime s : new ArrayList<>(streams.values())) {
            outputs.flushData(s, now, false);
            if (now - s.lastHeartbeatMillis >= settings.heartbeatMillis) {
                outputs.event(s, s.heartbeat(now), StreamEvents.QUEUE_HEARTBEAT);
            }
            if (!s.stopping && now - s.lastInputMillis >= settings.streamIdleMillis) {
                LOG.info(
                        "Stream {} had no input for {} ms; stopping it",
                        s.key,
                        now - s.lastInputMillis);
                // Stalled (a gateway that is done ends its channel): the caller hears why.
                outputs.failed(s, StreamEvents.noInput(s, settings.streamIdleMillis));
                stop(s);
            }
        }
    }

    private void stop(StreamRuntime s) {
        s.stopping = true;
        queues.offer(s, Entry.lifecycle(Entry.Kind.STOP, System.nanoTime()));
    }

    // ---- end of input and shutdown ----

    @Override
    public void endInput() throws Exception {
        drainAndStopAll();
    }

    @Override
    public void finish() throws Exception {
        drainAndStopAll();
        super.finish();
    }

    /** Stops every stream after its queued frames, and waits (yielding) until all have left. */
    private void drainAndStopAll() throws InterruptedException {
        if (framesEnded) {
            return;
        }
        framesEnded = true;
        for (StreamRuntime s : new ArrayList<>(streams.values())) {
            if (!s.stopping) {
                stop(s);
            }
        }
        while (!streams.isEmpty()) {
            mailbox.yield();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            closed = true;
            if (ticker != null) {
                ticker.cancel(false);
                ticker = null;
            }
            if (slot != null) {
                slot.close();
            }
        } finally {
            super.close();
        }
    }

    /** From any thread: a processor's custom event enters through the mailbox. */
    private void customEvent(String key, String json) {
        try {
            mailbox.execute(
                    () -> {
                        StreamRuntime s = streams.get(key);
                        if (s != null) {
                            outputs.message(s, json);
                        }
                    },
                    "custom event");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Custom event of stream {} after the operator closed: {}", key, json);
        }
    }

    /** What {@link StreamQueues} calls back on the mailbox thread. */
    final class Emitter {
        void frame(StreamRuntime s, Frame f) {
            outputs.frame(s, f);
        }

        void event(StreamRuntime s, ObjectNode event) {
            outputs.event(s, event);
        }

        /** The processor accepted a params update: it becomes the stream's state. */
        void paramsAccepted(StreamRuntime s, Map<String, Object> merged) {
            params.accepted(s.key, merged);
        }

        void stopped(StreamRuntime s) {
            long now = System.currentTimeMillis();
            outputs.flushData(s, now, true);
            outputs.event(s, StreamEvents.stopped(s, now));
            streams.remove(s.key);
            tickWhileStreams();
            List<Entry> rest = new ArrayList<>(s.waiting);
            s.waiting.clear();
            s.waitingVideo = 0;
            if (s.ended) {
                ended(s);
            }
            if (!rest.isEmpty()) {
                // Input came back after the stop was handed over: the stream starts again.
                StreamRuntime again = streamFor(s.key, now);
                for (Entry e : rest) {
                    queues.offer(again, e);
                }
                if (framesEnded) {
                    stop(again);
                }
            }
        }

        /** The stream is over: its output channels end downstream, its state goes. */
        private void ended(StreamRuntime s) {
            outputs.endChannels(s.key, s.urls);
            forget(s.key);
        }
    }
}
