package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.api.common.operators.MailboxExecutor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The runs of the operator's streams, from start to stop: a run starts with the stream's start
 * frame (in band, from the source) or its first input, with a {@code stream_started} event and a
 * {@code START} entry ahead of its frames; it stops after its queued frames ({@code STOP}: {@code
 * onStreamStop}, the last data batch, {@code stream_stopped}) when the source ends the stream, when
 * it had no input for the idle timeout, or at end of input; input that comes back after a stop
 * starts a new run. A stream that the source ended is over once stopped: its output channels end
 * downstream, and what the operator keeps of it (announced attributes, params state, metric group)
 * goes. The periodic work of the running streams (data batches, heartbeats, idle stops) runs on the
 * {@link OperatorTimers}' tick, which runs while there are streams.
 *
 * <p>Threads: mailbox thread, except {@link #customEvent} (any thread; it enters through the
 * mailbox). Where a run must wait for another to stop (a new run of a key whose previous run still
 * stops, end of input) it yields to the mailbox, whose mails bring the processor's results.
 */
final class StreamRuns {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRuns.class);

    private final ProcessingSettings settings;
    private final MailboxExecutor mailbox;
    private final ProcessorSlot slot;
    private final StreamQueues queues;
    private final StreamOutputs outputs;
    private final ParamsControl params;
    private final StreamAnnouncements announcements;
    private final StreamMetricGroups metrics;
    private final OperatorTimers timers;
    private final Map<String, StreamRuntime> streams = new LinkedHashMap<>();

    /** Set at end of input: every stream stops, and one that starts again stops right away. */
    private boolean framesEnded;

    StreamRuns(
            ProcessingSettings settings,
            MailboxExecutor mailbox,
            ProcessorSlot slot,
            StreamQueues queues,
            StreamOutputs outputs,
            ParamsControl params,
            StreamAnnouncements announcements,
            StreamMetricGroups metrics,
            OperatorTimers timers) {
        this.settings = settings;
        this.mailbox = mailbox;
        this.slot = slot;
        this.queues = queues;
        this.outputs = outputs;
        this.params = params;
        this.announcements = announcements;
        this.metrics = metrics;
        this.timers = timers;
    }

    /** The running stream {@code key}, or null. */
    StreamRuntime get(String key) {
        return streams.get(key);
    }

    /** The running stream {@code key}, started now if it is not running. */
    StreamRuntime runOf(String key, long now) {
        StreamRuntime s = streams.get(key);
        if (s != null) {
            return s;
        }
        Map<String, Object> current = params.current(key);
        Object fps = current.get(StreamParams.MAX_FRAMERATE);
        String device = DeviceSelector.describe(slot.device());
        s =
                new StreamRuntime(
                        key,
                        announcements.id(key),
                        announcements.urls(key),
                        current,
                        fps instanceof Integer ? (Integer) fps : settings.maxFramerate,
                        settings,
                        slot,
                        metrics.of(key, announcements.publicId(key), device),
                        this::customEvent,
                        now);
        streams.put(key, s);
        timers.tickWhile(true);
        ObjectNode started = StreamEvents.event(StreamEvents.STREAM_STARTED, now);
        started.put("device", device);
        started.put("subtask", slot.subtaskIndex());
        started.set("params", StreamEvents.MAPPER.valueToTree(current));
        outputs.event(s, started);
        outputs.event(s, s.heartbeat(now), StreamEvents.QUEUE_HEARTBEAT);
        queues.offer(s, Entry.lifecycle(Entry.Kind.START, System.nanoTime()));
        return s;
    }

    // ---- a stream's start and end (in band, from the source) ----

    void onLifecycle(ControlFrame frame) throws InterruptedException {
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
                outputs.endChannels(key, announcements.urls(key));
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
        announcements.announce(key, attributes);
        outputs.lifecycle(frame); // the sinks learn the stream's channels before its frames
        if (running != null) {
            Map<String, String> urls = StreamLifecycle.urls(attributes);
            if (!urls.isEmpty()) {
                running.urls = urls; // the same stream again (re-announced after a restore)
            }
        } else {
            runOf(key, System.currentTimeMillis());
        }
    }

    /** Drops what the operator keeps of an ended stream: a long-lived job sees many. */
    private void forget(String key) {
        announcements.forget(key);
        params.clear(key);
        metrics.close(key);
    }

    // ---- periodic work: data batches, heartbeats, idle streams ----

    /** The tick: due data batches and heartbeats, and the stop of streams without input. */
    void tick() {
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

    /** Stops {@code s} after its queued frames. */
    private void stop(StreamRuntime s) {
        s.stopping = true;
        queues.offer(s, Entry.lifecycle(Entry.Kind.STOP, System.nanoTime()));
    }

    /** End of input: stops every stream after its queued frames, and yields until all stopped. */
    void drainAndStopAll() throws InterruptedException {
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

    /**
     * The processor stopped {@code s} (its {@code STOP} entry left the queue): its last data batch
     * and {@code stream_stopped} leave; if the source ended it, it is over; input that arrived
     * after the stop was handed over starts a new run.
     */
    void stopped(StreamRuntime s) {
        long now = System.currentTimeMillis();
        outputs.flushData(s, now, true);
        outputs.event(s, StreamEvents.stopped(s, now));
        streams.remove(s.key);
        timers.tickWhile(!streams.isEmpty());
        List<Entry> rest = new ArrayList<>(s.waiting);
        s.waiting.clear();
        s.waitingVideo = 0;
        if (s.ended) {
            // The stream is over: its output channels end downstream, its state goes.
            outputs.endChannels(s.key, s.urls);
            forget(s.key);
        }
        if (!rest.isEmpty()) {
            // Input came back after the stop was handed over: the stream starts again.
            StreamRuntime again = runOf(s.key, now);
            for (Entry e : rest) {
                queues.offer(again, e);
            }
            if (framesEnded) {
                stop(again);
            }
        }
    }

    /** Any thread: a processor's custom event enters through the mailbox. */
    void customEvent(String key, String json) {
        try {
            mailbox.execute(
                    () -> {
                        StreamRuntime s = streams.get(key);
                        if (s != null) {
                            outputs.message(s, json);
                        }
                    },
                    "custom event");
        } catch (RejectedExecutionException e) {
            LOG.debug("Custom event of stream {} after the operator closed: {}", key, json);
        }
    }
}
