package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.Preconditions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One stream of a {@link ProcessorTestHarness}: feed it frames and params updates, read what the
 * processor produced. Its {@link #context()} is the {@link ProcessorContext} the processor sees.
 *
 * <p>Threads: the test thread that owns the harness; processor calls run on the harness's processor
 * thread and are waited for.
 */
@PublicEvolving
public final class HarnessStream {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final ProcessorTestHarness harness;
    final StreamRuntime runtime;
    private final List<Map<String, Object>> events =
            Collections.synchronizedList(new ArrayList<>());
    private final List<Map<String, Object>> heartbeats = new ArrayList<>();
    private final List<String> dataLines = new ArrayList<>();
    boolean stopped;

    HarnessStream(
            ProcessorTestHarness harness, String id, Map<String, Object> params, long nowMillis) {
        this.harness = harness;
        this.runtime =
                new StreamRuntime(
                        id,
                        id,
                        Map.of(),
                        params,
                        0,
                        harness.settings,
                        harness.slot,
                        StreamMetrics.register(
                                harness.slot.metricGroup(),
                                id,
                                id,
                                DeviceSelector.describe(harness.slot.device())),
                        (key, json) -> events.add(body(json)),
                        nowMillis);
    }

    /** The stream's id (its key). */
    public String id() {
        return runtime.key;
    }

    /** The context the processor sees for this stream. */
    public ProcessorContext context() {
        return runtime;
    }

    /** The stream's current params (start params merged with the accepted updates). */
    public Map<String, Object> params() {
        return runtime.params();
    }

    /**
     * Hands one video frame to the processor ({@code processVideoAsync}, so async processors are
     * run as the operator runs them) and waits for the result.
     *
     * @return the processed frame, or null if the processor withheld it
     * @throws Exception what the processor threw (the operator would pass the frame through and
     *     report an error event instead)
     */
    public VideoFrame processVideo(VideoFrame frame) throws Exception {
        checkRunning();
        Preconditions.checkNotNull(frame, "frame");
        runtime.videoIn.inc();
        CompletionStage<VideoFrame> stage =
                harness.call(() -> harness.settings.processor.processVideoAsync(frame, runtime));
        Preconditions.checkState(stage != null, "processVideoAsync returned null");
        VideoFrame out = harness.await(stage.toCompletableFuture());
        if (out != null) {
            runtime.videoOut.inc();
            runtime.outWidth = out.width();
            runtime.outHeight = out.height();
        }
        return out;
    }

    /** Hands one audio frame to the processor and returns its output (empty: withheld). */
    public List<AudioFrame> processAudio(AudioFrame frame) throws Exception {
        checkRunning();
        Preconditions.checkNotNull(frame, "frame");
        runtime.audioIn.inc();
        List<AudioFrame> out =
                harness.call(() -> harness.settings.processor.processAudio(frame, runtime));
        Preconditions.checkState(out != null, "processAudio returned null");
        runtime.audioOut.inc(out.size());
        return out;
    }

    /**
     * A params update, validated as the operator validates it (PyTrickle's rules); the processor's
     * {@code updateParams} sees it with the merged params in its context.
     *
     * @return the stream's params after the update
     * @throws IllegalArgumentException an invalid update (the processor is not called)
     * @throws Exception what the processor threw: the update is rejected, the previous params stay
     */
    public Map<String, Object> updateParams(Map<String, ?> update) throws Exception {
        checkRunning();
        Map<String, Object> valid = StreamParams.validate(update);
        Map<String, Object> previous = runtime.params();
        Map<String, Object> merged = StreamParams.merge(previous, valid);
        runtime.setParams(merged);
        try {
            harness.call(
                    () -> {
                        harness.settings.processor.updateParams(valid, runtime);
                        return null;
                    });
        } catch (Exception e) {
            runtime.setParams(previous);
            throw e;
        }
        return merged;
    }

    /**
     * The events the processor sent ({@code sendEvent}), in order: each the event's body as the
     * stream's events channel carries it ({@code type}, {@code timestamp} and the fields).
     */
    public List<Map<String, Object>> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The heartbeat events {@link ProcessorTestHarness#advance} produced, in order. */
    public List<Map<String, Object>> heartbeats() {
        return List.copyOf(heartbeats);
    }

    /**
     * The data channel's lines so far ({@code [v1,v2,…]\n}, as PyTrickle batches them): cut from
     * what the processor sent ({@code sendData}) every {@code dataFlushInterval} of {@link
     * ProcessorTestHarness#advance}, and when the stream stops.
     */
    public List<String> dataLines() {
        return List.copyOf(dataLines);
    }

    /** The values of {@link #dataLines()}, parsed back from JSON, in order. */
    public List<Object> data() {
        List<Object> values = new ArrayList<>();
        for (String line : dataLines) {
            try {
                values.addAll(StreamEvents.MAPPER.readValue(line, List.class));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a data line is not JSON: " + line, e);
            }
        }
        return values;
    }

    /** The stream ends: {@code onStreamStop}, then its last data line. */
    public void stop() throws Exception {
        checkRunning();
        stopped = true;
        try {
            harness.call(
                    () -> {
                        harness.settings.processor.onStreamStop(runtime);
                        return null;
                    });
        } finally {
            flushData(harness.nowMillis());
        }
    }

    /** The operator's timers at {@code now}: data flush, heartbeat. */
    void timers(long now) {
        if (now - runtime.lastDataMillis >= harness.settings.dataFlushMillis) {
            flushData(now);
        }
        if (now - runtime.lastHeartbeatMillis >= harness.settings.heartbeatMillis) {
            heartbeats.add(StreamEvents.MAPPER.convertValue(runtime.heartbeat(now), MAP));
        }
    }

    private void flushData(long now) {
        dataLines.addAll(runtime.data.drain());
        runtime.lastDataMillis = now;
    }

    private void checkRunning() {
        Preconditions.checkState(!stopped, "stream %s is stopped", runtime.key);
    }

    /** The body of an event envelope ({@code {"event":{…},"queue_event_type":…}}). */
    private static Map<String, Object> body(String envelope) {
        try {
            return StreamEvents.MAPPER.convertValue(
                    StreamEvents.MAPPER.readTree(envelope).path("event"), MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event is not JSON: " + envelope, e);
        }
    }
}
