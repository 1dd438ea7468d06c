package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.FpsCap;
import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One stream on one slot: its ordered queues, fps cap, counters, metrics and data batch, and the
 * {@link ProcessorContext} its processor sees.
 *
 * <p>Threads: the queues, counters and flags belong to the mailbox thread. {@link #params()} and
 * {@link #state} are read and written on the processor thread ({@code params} is volatile because
 * the mailbox thread sets it when the stream starts). {@link #sendData} and {@link #sendEvent} may
 * be called from any thread.
 */
final class StreamRuntime extends SlotBoundContext {
    /** Entries received but not yet handed to the processor, in arrival order. */
    final ArrayDeque<Entry> waiting = new ArrayDeque<>();

    /** Entries handed over (or passed through), in arrival order, until emitted. */
    final ArrayDeque<Entry> pending = new ArrayDeque<>();

    final String key;

    /** The stream's id (its key, unless the source salted the key to place it). */
    final String id;

    /** The stream's channels by role (heartbeats' {@code urls}; events and data destinations). */
    Map<String, String> urls;

    final FpsCap fpsCap;

    /** The stream's real-time schedule (video pts), for the real-time policy. */
    final RealTimeClock clock = new RealTimeClock();

    final DataBatcher data;
    int waitingVideo;

    /** The keyframe mark of a video frame dropped from the queue, owed to the next one kept. */
    boolean queueOwesKeyframe;

    /** The keyframe mark of a frame the processor withheld, owed to the next video emitted. */
    boolean emitOwesKeyframe;

    int inFlight;
    int consecutiveFailures;
    boolean errored;
    boolean stopping;

    /** The source ended the stream: once stopped, its channels end and its state goes. */
    boolean ended;

    /** Why the stream stops, if it failed (its {@code stream_stopped} event says it), or null. */
    String failure;

    boolean firstInputSeen;
    boolean firstOutputSent;
    long messageSeq;
    long lastInputMillis;
    long lastHeartbeatMillis;
    long lastDataMillis;
    int outWidth;
    int outHeight;
    long lastErrorEventMillis;
    long errorsSinceEvent;
    long reportedDataDrops;

    final Counter videoIn;
    final Counter audioIn;
    final Counter videoOut;
    final Counter audioOut;
    final Counter dropped;
    final Counter skipped;
    final Counter failures;
    final Histogram processingMillis;
    final Histogram endToEndMillis;
    private final long[] lastCounts = new long[4];

    /** The slot's batch metrics, or null if its processor does not take batches. */
    private final BatchMetrics batchMetrics;

    private final BiConsumer<String, String> customEvents;
    private volatile Map<String, Object> params;
    private Object state;

    StreamRuntime(
            String key,
            String id,
            Map<String, String> urls,
            Map<String, Object> params,
            int maxFramerate,
            ProcessingSettings settings,
            ProcessorSlot slot,
            StreamMetrics metrics,
            BiConsumer<String, String> customEvents,
            long now) {
        super(slot);
        this.key = key;
        this.id = id;
        this.urls = urls;
        this.params = params;
        this.customEvents = customEvents;
        this.batchMetrics = slot.batchMetrics();
        this.fpsCap = new FpsCap(maxFramerate);
        this.data = new DataBatcher(settings.dataMaxItems, settings.dataMaxLineBytes);
        this.lastInputMillis = now;
        this.lastHeartbeatMillis = now;
        this.lastDataMillis = now;
        this.videoIn = metrics.videoIn;
        this.audioIn = metrics.audioIn;
        this.videoOut = metrics.videoOut;
        this.audioOut = metrics.audioOut;
        this.dropped = metrics.dropped;
        this.skipped = metrics.skipped;
        this.failures = metrics.failures;
        this.processingMillis = metrics.processingMillis;
        this.endToEndMillis = metrics.endToEndMillis;
        // The counters outlive a restart of the stream: fps starts from where they are.
        this.lastCounts[0] = videoIn.getCount();
        this.lastCounts[1] = audioIn.getCount();
        this.lastCounts[2] = videoOut.getCount();
        this.lastCounts[3] = audioOut.getCount();
    }

    void setParams(Map<String, Object> params) {
        this.params = params;
    }

    /** The heartbeat event: PyTrickle's fields plus drops, failures, latency and the device. */
    ObjectNode heartbeat(long now) {
        double seconds = Math.max(0.001, (now - lastHeartbeatMillis) / 1000.0);
        long[] counts = {
            videoIn.getCount(), audioIn.getCount(), videoOut.getCount(), audioOut.getCount()
        };
        ObjectNode event = StreamEvents.event(StreamEvents.HEARTBEAT, now);
        if (!urls.isEmpty()) {
            event.set("urls", StreamEvents.MAPPER.valueToTree(urls));
        }
        ObjectNode dims = event.putObject("dimensions");
        dims.put("width", outWidth);
        dims.put("height", outHeight);
        ObjectNode fps = event.putObject("fps");
        String[] names = {
            "ingress_video_fps", "ingress_audio_fps", "egress_video_fps", "egress_audio_fps"
        };
        for (int i = 0; i < names.length; i++) {
            fps.put(names[i], Math.round((counts[i] - lastCounts[i]) / seconds * 10) / 10.0);
            lastCounts[i] = counts[i];
        }
        event.put("state", errored ? "ERROR" : "OK");
        event.put("device", DeviceSelector.describe(slot.device()));
        event.put("frames_dropped", dropped.getCount());
        event.put("frames_skipped_by_fps_cap", skipped.getCount());
        event.put("processing_failures", failures.getCount());
        ObjectNode latency = event.putObject("latency_ms");
        latency.put("end_to_end_p50", endToEndMillis.getStatistics().getQuantile(0.5));
        latency.put("end_to_end_p95", endToEndMillis.getStatistics().getQuantile(0.95));
        latency.put("processing_p50", processingMillis.getStatistics().getQuantile(0.5));
        if (batchMetrics != null) {
            batchMetrics.report(event); // the slot's batches, which this stream shares
        }
        lastHeartbeatMillis = now;
        return event;
    }

    // ---- ProcessorContext ----

    @Override
    public String streamKey() {
        return key;
    }

    @Override
    public Map<String, Object> params() {
        return params;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T state(Supplier<T> initial) {
        if (state == null) {
            state = initial.get();
        }
        return (T) state;
    }

    @Override
    public void sendData(Object value) {
        String json;
        try {
            json = StreamEvents.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalArgumentException("data value cannot be written as JSON: " + e, e);
        }
        if (!data.add(json)) {
            throw new IllegalArgumentException(
                    "a data value of "
                            + json.length()
                            + " characters does not fit in one data line (limit "
                            + "set by dataMaxLineBytes)");
        }
    }

    @Override
    public void sendEvent(String type, Map<String, ?> fields) {
        ObjectNode event =
                StreamEvents.with(
                        StreamEvents.event(type, System.currentTimeMillis()),
                        fields == null ? Map.of() : fields);
        customEvents.accept(key, StreamEvents.wrap(event, StreamEvents.QUEUE_CUSTOM));
    }
}
