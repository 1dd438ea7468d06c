package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;

import org.apache.flink.annotation.Internal;
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

import java.util.Map;

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
 * <p>Parts: this class routes the input and Flink's calls; {@link StreamRuns} starts, stops and
 * ends the streams' runs (and their periodic work), {@link StreamQueues} orders their entries
 * through the processor, {@link ParamsControl} validates and keeps their params, {@link
 * StreamOutputs} emits, {@link OperatorTimers} ticks and wakes up, {@link SlotPlacement} places the
 * processor on its device, {@link StreamAnnouncements} and {@link StreamMetricGroups} keep each
 * stream's attributes and metrics across its runs.
 *
 * <p>Threads: everything here and in those parts runs on the task's mailbox thread, except the
 * processor calls, which {@link StreamQueues} hands to the slot's processor thread and whose
 * results come back as mails, and a processor's custom events, which enter as mails too. Timers
 * fire as mails. The mailbox thread never waits for the processor (except under {@link
 * RealTimePolicy#BLOCK}, for a new run of a key whose previous run still stops, and at end of
 * input, where it yields to the mailbox until results arrive).
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

    /** The latest validated params of the stream (keyed state), as a JSON object. */
    static final ValueStateDescriptor<String> PARAMS_STATE =
            new ValueStateDescriptor<>("stream-params", Types.STRING);

    private final ProcessingSettings settings;
    private final MailboxExecutor mailbox;

    private transient ProcessorSlot slot;
    private transient StreamQueues queues;
    private transient StreamOutputs outputs;
    private transient ParamsControl params;
    private transient OperatorTimers timers;
    private transient StreamRuns runs;

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
            runs.onLifecycle((ControlFrame) frame);
        } else if (frame.isControl()) {
            params.onControl((ControlFrame) frame, runs.get(frame.streamKey()));
        } else {
            onFrame(frame);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        ValueState<String> paramsState = getRuntimeContext().getState(PARAMS_STATE);
        StreamAnnouncements announcements = new StreamAnnouncements(settings);
        outputs = new StreamOutputs(output, settings);
        params =
                new ParamsControl(
                        this::setCurrentKey,
                        paramsState,
                        announcements::startParams,
                        announcements::urls,
                        outputs);
        slot = SlotPlacement.create(getRuntimeContext(), getMetricGroup(), settings);
        slot.open(settings.warmUp);
        timers =
                new OperatorTimers(
                        getProcessingTimeService(),
                        settings.dataFlushMillis,
                        t -> runs.tick(),
                        () -> queues.onTimer());
        queues = new StreamQueues(settings, slot, mailbox, new Emitter(), timers::wakeUpAt);
        params.queues(queues);
        runs =
                new StreamRuns(
                        settings,
                        mailbox,
                        slot,
                        queues,
                        outputs,
                        params,
                        announcements,
                        new StreamMetricGroups(getMetricGroup()),
                        timers);
    }

    /**
     * A video or audio frame: counted, capped to the stream's fps (video), queued for the processor
     * once its stream has room (see {@link StreamQueues#awaitRoom}). The keyframe mark of a frame
     * the cap skipped goes to the next one queued.
     */
    private void onFrame(Frame frame) throws Exception {
        long now = System.currentTimeMillis();
        String key = frame.streamKey();
        StreamRuntime s = runs.runOf(key, now);
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
            s = runs.runOf(key, now); // the stream may have been restarted while waiting
        } else {
            s.audioIn.inc();
        }
        Entry entry = Entry.frame(frame, System.nanoTime());
        entry.keyframe |= owedKeyframe;
        queues.offer(s, entry);
    }

    // ---- end of input and shutdown ----

    @Override
    public void endInput() throws Exception {
        runs.drainAndStopAll();
    }

    @Override
    public void finish() throws Exception {
        runs.drainAndStopAll();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (timers != null) {
                timers.close();
            }
            if (slot != null) {
                slot.close();
            }
        } finally {
            super.close();
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

        /** The processor stopped the stream: see {@link StreamRuns#stopped}. */
        void stopped(StreamRuntime s) {
            runs.stopped(s);
        }
    }
}
