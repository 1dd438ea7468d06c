package io.flinktrickle.processor.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Monitoring events in PyTrickle's envelope, {@code {"event":{"type":…,"timestamp":ms,…},
 * "queue_event_type":…}}, which the gateway parses and forwards. Thread-safe (Jackson's mapper is).
 */
final class StreamEvents {
    static final String QUEUE_STREAM_EVENTS = "ai_stream_events";
    static final String QUEUE_HEARTBEAT = "stream_heartbeat";
    static final String QUEUE_CUSTOM = "custom_monitoring_event";

    static final String STREAM_STARTED = "stream_started";
    static final String STREAM_STOPPED = "stream_stopped";
    static final String FIRST_INPUT = "receive_first_ingest_segment";
    static final String FIRST_OUTPUT = "send_first_processed_segment";
    static final String PARAMS_UPDATED = "params_updated";
    static final String ERROR = "error";
    static final String HEARTBEAT = "heartbeat";

    static final ObjectMapper MAPPER = new ObjectMapper();

    private StreamEvents() {}

    /** A new event body with {@code type} and {@code timestamp}; add fields, then {@link #wrap}. */
    static ObjectNode event(String type, long timestampMillis) {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("type", type);
        event.put("timestamp", timestampMillis);
        return event;
    }

    /** An {@code error} event with {@code message}, and its {@code source} if not null. */
    static ObjectNode error(String message, String source) {
        ObjectNode event = event(ERROR, System.currentTimeMillis());
        event.put("message", message);
        if (source != null) {
            event.put("source", source);
        }
        return event;
    }

    /** The {@code stream_stopped} event of {@code s}, with its failure ({@code error}) if any. */
    static ObjectNode stopped(StreamRuntime s, long now) {
        ObjectNode event = event(STREAM_STOPPED, now);
        if (s.failure != null) {
            event.put("error", s.failure);
        }
        return event;
    }

    /** Why a stream without input for {@code idleMillis} stops. */
    static String noInput(StreamRuntime s, long idleMillis) {
        String idle = idleMillis % 1000 == 0 ? idleMillis / 1000 + " s" : idleMillis + " ms";
        String input = s.urls.getOrDefault("subscribe", "stream " + s.id);
        return s.firstInputSeen
                ? "no input on " + input + " for " + idle
                : "no input on " + input + " within " + idle + " of the stream's start";
    }

    /**
     * A {@code params_updated} event naming the control message it answers: {@code source} (the
     * channel role, e.g. {@code params} for a sidecar's) and {@code seq} (its segment), so that a
     * sidecar can answer its HTTP caller with the processor's verdict.
     */
    static ObjectNode paramsUpdated(long timestampMillis, String source, long seq) {
        ObjectNode event = event(PARAMS_UPDATED, timestampMillis);
        event.put("source", source);
        event.put("seq", seq);
        return event;
    }

    /** Adds each of {@code fields} (any Jackson-serializable values) to {@code event}. */
    static ObjectNode with(ObjectNode event, Map<String, ?> fields) {
        for (Map.Entry<String, ?> f : fields.entrySet()) {
            if (!"type".equals(f.getKey()) && !"timestamp".equals(f.getKey())) {
                event.set(f.getKey(), MAPPER.valueToTree(f.getValue()));
            }
        }
        return event;
    }

    static String wrap(ObjectNode event, String queueEventType) {
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.set("event", event);
        envelope.put("queue_event_type", queueEventType);
        try {
            return MAPPER.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event tree cannot fail to serialize", e);
        }
    }
}
