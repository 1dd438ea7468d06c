package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.params.InvalidParamsException;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
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
 * frames, and {@link ControlFrame}s (params messages from the stream's control channel, in band;
 * see {@link io.flinktrickle.connector.trickle.media.StreamChannelsDecoder}). Frames of a stream
 * leave in arrival order; video past the real-time policy's bounds is dropped oldest-first (see
 * {@link RealTimePolicy}); params updates are ordered with the frames.
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
    private final StreamRecord<Frame> reuse = new StreamRecord<>(null);
    private transient ValueState<String> paramsState;
    private transient ProcessorSlot slot;
    private transient StreamQueues queues;
    private transient ScheduledFuture<?> ticker;
    private boolean framesEnded;

    FrameProcessorOperator(
            StreamOperatorParameters<Frame> parameters, ProcessingSettings settings) {
        super(parameters);
        this.settings = settings;
        this.mailbox = parameters.getMailboxExecutor();
    }

    @Override
    public void processElement(StreamRecord<Frame> element) throws Exception {
        Frame frame = element.getValue();
        if (frame.isControl()) {
            onControl((ControlFrame) frame);
        } else {
            onFrame(frame);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        paramsState = getRuntimeContext().getState(PARAMS_STATE);
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        DeviceSelector.Choice choice =
                DeviceSelector.select(
                        getRuntimeContext().getExternalResourceInfos(DeviceSelector.GPU_RESOURCE),
                        settings.devices,
                        subtask);
        String device = DeviceSelector.describe(choice.device);
        LOG.info("Frame processor subtask {} runs on {} ({})", subtask, device, choice.source);
        getMetricGroup().gauge("device", () -> device);
        getMetricGroup()
                .gauge(
                        "deviceIndex",
                        () -> choice.device.isGpu() ? choice.device.getDeviceId() : -1);
        slot =
                new ProcessorSlot(
                        settings.processor,
                        choice.device,
                        subtask,
                        getMetricGroup(),
                        "frame-processor-"
                                + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks());
        slot.open();
        queues = new StreamQueues(settings, slot, mailbox, new Emitter());
        long tick = Math.min(MAX_TICK_MILLIS, settings.dataFlushMillis);
        ticker = getProcessingTimeService().scheduleWithFixedDelay(t -> tick(), tick, tick);
    }

    // ---- input 1: frames ----

    private void onFrame(Frame frame) throws Exception {
        long now = System.currentTimeMillis();
        String key = frame.streamKey();
        StreamRuntime s = streamFor(key, now);
        if (s.stopping) {
            queues.cancelStop(s); // input came back before the idle stop ran
        }
        s.lastInputMillis = now;
        if (!s.firstInputSeen) {
            s.firstInputSeen = true;
            event(s, StreamEvents.event(StreamEvents.FIRST_INPUT, now));
        }
        if (frame.isVideo()) {
            s.videoIn.inc();
            if (!s.fpsCap.admit(frame.pts())) {
                s.skipped.inc();
                return;
            }
            queues.awaitRoom(s);
            s = streamFor(key, now); // the stream may have been restarted while waiting
        } else {
            s.audioIn.inc();
        }
        queues.offer(s, Entry.frame(frame, System.nanoTime()));
    }

    private StreamRuntime streamFor(String key, long now) {
        StreamRuntime s = streams.get(key);
        if (s != null) {
            return s;
        }
        Map<String, Object> params = currentParams(key);
        Object fps = params.get(StreamParams.MAX_FRAMERATE);
        s =
                new StreamRuntime(
                        key,
                        params,
                        fps instanceof Integer ? (Integer) fps : settings.maxFramerate,
                        settings,
                        slot,
                        streamMetrics.computeIfAbsent(
                                key,
                                k -> new StreamMetrics(getMetricGroup().addGroup("stream", k))),
                        this::customEvent,
                        now);
        streams.put(key, s);
        ObjectNode started = StreamEvents.event(StreamEvents.STREAM_STARTED, now);
        started.put("device", DeviceSelector.describe(slot.device()));
        started.put("subtask", slot.subtaskIndex());
        started.set("params", StreamEvents.MAPPER.valueToTree(params));
        event(s, started);
        event(s, s.heartbeat(now, settings.streamUrls.get(key)), StreamEvents.QUEUE_HEARTBEAT);
        queues.offer(s, Entry.lifecycle(Entry.Kind.START, System.nanoTime()));
        return s;
    }

    /** The stream's params: its state, else its start params (switches the key context). */
    private Map<String, Object> currentParams(String key) {
        setCurrentKey(key);
        try {
            String json = paramsState.value();
            if (json == null) {
                json = settings.initialParamsJson.get(key);
            }
            return json == null ? Map.of() : StreamParams.parseAndValidate(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("params of stream " + key + " cannot be read", e);
        }
    }

    // ---- control messages (in band, keyed like the frames) ----

    private void onControl(ControlFrame message) throws java.io.IOException {
        String key = message.streamKey();
        StreamRuntime s = streams.get(key);
        Map<String, Object> update;
        try {
            Map<String, Object> parsed = StreamParams.parse(message.json());
            if (StreamParams.isKeepAlive(parsed)) {
                return;
            }
            update = StreamParams.validate(parsed);
        } catch (InvalidParamsException e) {
            LOG.warn("Rejected params for stream {}: {}", key, e.getMessage());
            ObjectNode event =
                    StreamEvents.paramsUpdated(
                            System.currentTimeMillis(), message.source(), message.pts());
            event.put("status", "error");
            event.put("error", e.getMessage());
            emitEvent(key, StreamEvents.wrap(event, StreamEvents.QUEUE_STREAM_EVENTS), s);
            return;
        }
        if (s != null) {
            // Applied to the processor in order with the frames; kept in state once accepted.
            int previousFps = s.fpsCap.fps();
            Object fps = update.get(StreamParams.MAX_FRAMERATE);
            if (fps instanceof Integer) {
                s.fpsCap.setFps((Integer) fps); // live: applies to the frames after this update
            }
            queues.offer(
                    s,
                    Entry.params(
                            update,
                            previousFps,
                            System.nanoTime(),
                            message.source(),
                            message.pts()));
        } else {
            // No processor to ask yet: the stream starts with these params.
            Map<String, Object> merged = StreamParams.merge(currentParams(key), update);
            paramsState.update(StreamParams.toJson(merged));
            ObjectNode event =
                    StreamEvents.paramsUpdated(
                            System.currentTimeMillis(), message.source(), message.pts());
            event.put("status", "ok");
            event.set("params", StreamEvents.MAPPER.valueToTree(merged));
            emitEvent(key, StreamEvents.wrap(event, StreamEvents.QUEUE_STREAM_EVENTS), null);
        }
    }

    // ---- periodic work: data batches, heartbeats, idle streams ----

    private void tick() throws Exception {
        long now = System.currentTimeMillis();
        for (StreamRuntime s : new ArrayList<>(streams.values())) {
            flushData(s, now, false);
            if (now - s.lastHeartbeatMillis >= settings.heartbeatMillis) {
                event(
                        s,
                        s.heartbeat(now, settings.streamUrls.get(s.key)),
                        StreamEvents.QUEUE_HEARTBEAT);
            }
            if (!s.stopping && now - s.lastInputMillis >= settings.streamIdleMillis) {
                LOG.info(
                        "Stream {} had no input for {} ms; stopping it",
                        s.key,
                        now - s.lastInputMillis);
                stop(s);
            }
        }
    }

    private void flushData(StreamRuntime s, long now, boolean last) {
        if (now - s.lastDataMillis < settings.dataFlushMillis && !last) {
            return;
        }
        List<String> lines = s.data.drain();
        if (lines.isEmpty() && now - s.lastDataMillis >= settings.dataKeepAliveMillis && !last) {
            lines = List.of("[]\n"); // keeps the data channel alive, as PyTrickle does
        }
        for (String line : lines) {
            output.collect(
                    FrameProcessing.DATA,
                    new StreamRecord<>(new TrickleMessage(s.key, s.messageSeq++, line)));
        }
        if (!lines.isEmpty()) {
            s.lastDataMillis = now;
        }
        long drops = s.data.dropped() + s.data.oversized();
        if (drops > s.reportedDataDrops) {
            ObjectNode event = StreamEvents.event(StreamEvents.ERROR, now);
            event.put(
                    "message",
                    "data values dropped: "
                            + s.data.dropped()
                            + " past the queue bound, "
                            + s.data.oversized()
                            + " over the line limit");
            event(s, event);
            s.reportedDataDrops = drops;
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
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (slot != null) {
                slot.close();
            }
        } finally {
            super.close();
        }
    }

    // ---- events ----

    private void event(StreamRuntime s, ObjectNode event) {
        event(s, event, StreamEvents.QUEUE_STREAM_EVENTS);
    }

    private void event(StreamRuntime s, ObjectNode event, String queueType) {
        emitEvent(s.key, StreamEvents.wrap(event, queueType), s);
    }

    private void emitEvent(String key, String json, StreamRuntime s) {
        long seq = s != null ? s.messageSeq++ : -1;
        output.collect(
                FrameProcessing.EVENTS, new StreamRecord<>(new TrickleMessage(key, seq, json)));
    }

    /** From any thread: a processor's custom event enters through the mailbox. */
    private void customEvent(String key, String json) {
        try {
            mailbox.execute(() -> emitEvent(key, json, streams.get(key)), "custom event");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Custom event of stream {} after the operator closed: {}", key, json);
        }
    }

    /** What {@link StreamQueues} calls back on the mailbox thread. */
    final class Emitter {
        void frame(StreamRuntime s, Entry e, Frame f) {
            long now = System.currentTimeMillis();
            if (f.isVideo()) {
                s.videoOut.inc();
                VideoFrame v = (VideoFrame) f;
                s.outWidth = v.width();
                s.outHeight = v.height();
                if (f.arrivalMillis() > 0) {
                    s.endToEndMillis.update(now - f.arrivalMillis());
                }
                if (!s.firstOutputSent) {
                    s.firstOutputSent = true;
                    event(s, StreamEvents.event(StreamEvents.FIRST_OUTPUT, now));
                }
            } else {
                s.audioOut.inc();
            }
            output.collect(reuse.replace(f));
        }

        void event(StreamRuntime s, ObjectNode event) {
            FrameProcessorOperator.this.event(s, event);
        }

        /** The processor accepted a params update: it becomes the stream's state. */
        void paramsAccepted(StreamRuntime s, Map<String, Object> merged) {
            setCurrentKey(s.key);
            try {
                paramsState.update(StreamParams.toJson(merged));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("params state cannot be written", e);
            }
        }

        void stopped(StreamRuntime s) {
            long now = System.currentTimeMillis();
            flushData(s, now, true);
            event(s, StreamEvents.event(StreamEvents.STREAM_STOPPED, now));
            streams.remove(s.key);
            List<Entry> rest = new ArrayList<>(s.waiting);
            s.waiting.clear();
            s.waitingVideo = 0;
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
    }
}
