package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.processor.params.InvalidParamsException;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.api.common.state.ValueState;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A stream's params: control messages validated as PyTrickle does and handed to the processor in
 * order with the frames; the latest accepted params kept as keyed state (exactly-once, restored
 * after a failure); a rejected message reported as {@code params_updated} with {@code status:
 * error} while the previous params stay.
 *
 * <p>Mailbox thread only; {@code setKey} switches the operator's key context before each state
 * access.
 */
final class ParamsControl {
    private static final Logger LOG = LoggerFactory.getLogger(ParamsControl.class);

    private final Consumer<String> setKey;
    private final ValueState<String> state;
    private final Function<String, String> startParams;
    private final Function<String, Map<String, String>> urls;
    private final StreamOutputs outputs;
    private StreamQueues queues;

    ParamsControl(
            Consumer<String> setKey,
            ValueState<String> state,
            Function<String, String> startParams,
            Function<String, Map<String, String>> urls,
            StreamOutputs outputs) {
        this.setKey = setKey;
        this.state = state;
        this.startParams = startParams;
        this.urls = urls;
        this.outputs = outputs;
    }

    void queues(StreamQueues queues) {
        this.queues = queues;
    }

    /** The stream's params: its state, else its start params. */
    Map<String, Object> current(String key) {
        setKey.accept(key);
        String json;
        try {
            json = state.value();
        } catch (IOException e) {
            throw new IllegalStateException("params of stream " + key + " cannot be read", e);
        }
        if (json != null) {
            return StreamParams.parseAndValidate(json); // validated when it was stored
        }
        json = startParams.apply(key);
        if (json == null) {
            return Map.of();
        }
        try {
            return StreamParams.parseAndValidate(json);
        } catch (InvalidParamsException e) {
            // Announced with the stream: refusing them must not fail every stream of the job.
            LOG.warn(
                    "Stream {}: its start params are invalid and ignored: {}", key, e.getMessage());
            return Map.of();
        }
    }

    /** A control message of a stream; {@code s} is its runtime, or null if it has none yet. */
    void onControl(ControlFrame message, StreamRuntime s) throws IOException {
        String key = message.streamKey();
        Map<String, Object> update;
        try {
            Map<String, Object> parsed = StreamParams.parse(message.json());
            if (StreamParams.isKeepAlive(parsed)) {
                return;
            }
            update = StreamParams.validate(parsed);
        } catch (InvalidParamsException e) {
            LOG.warn("Rejected params for stream {}: {}", key, e.getMessage());
            ObjectNode event = verdict(message, "error");
            event.put("error", e.getMessage());
            send(key, s, event);
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
            Map<String, Object> merged = StreamParams.merge(current(key), update);
            state.update(StreamParams.toJson(merged));
            ObjectNode event = verdict(message, "ok");
            event.set("params", StreamEvents.MAPPER.valueToTree(merged));
            send(key, null, event);
        }
    }

    /** The processor accepted an update: it becomes the stream's state. */
    void accepted(String key, Map<String, Object> merged) {
        setKey.accept(key);
        try {
            state.update(StreamParams.toJson(merged));
        } catch (IOException e) {
            throw new IllegalStateException("params state cannot be written", e);
        }
    }

    /** The stream is over: its params go. */
    void clear(String key) {
        setKey.accept(key);
        state.clear();
    }

    private static ObjectNode verdict(ControlFrame message, String status) {
        ObjectNode event =
                StreamEvents.paramsUpdated(
                        System.currentTimeMillis(), message.source(), message.pts());
        event.put("status", status);
        return event;
    }

    private void send(String key, StreamRuntime s, ObjectNode event) {
        String json = StreamEvents.wrap(event, StreamEvents.QUEUE_STREAM_EVENTS);
        if (s != null) {
            outputs.message(s, json);
        } else {
            outputs.message(key, urls.apply(key), json);
        }
    }
}
