package io.flinktrickle.controlapi.events;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * The events the sidecar itself sends, in PyTrickle's envelope {@code {"event":{"type",
 * "timestamp",…},"queue_event_type"}} (the same as the job's): a heartbeat while the job sends none
 * (so the gateway's 30 s watchdog never fires during start-up), an error when the job fails, and
 * {@code stream_stopped} when the job ended without sending one.
 */
@Internal
public final class SidecarEvents {
    public static final String HEARTBEAT = "heartbeat";
    public static final String ERROR = "error";
    public static final String STREAM_STOPPED = "stream_stopped";
    public static final String STREAM_STARTED = "stream_started";
    public static final String PARAMS_UPDATED = "params_updated";

    /** The job's event when a stream's first processed frame leaves the operator (PyTrickle's). */
    public static final String FIRST_OUTPUT = "send_first_processed_segment";

    static final String QUEUE_HEARTBEAT = "stream_heartbeat";
    static final String QUEUE_STREAM_EVENTS = "ai_stream_events";

    static final ObjectMapper MAPPER = new ObjectMapper();

    private SidecarEvents() {}

    /** A heartbeat with zero fps: the job is not running (yet); {@code state} says why. */
    public static ObjectNode heartbeat(
            Map<String, String> urls, int width, int height, String state) {
        ObjectNode event = event(HEARTBEAT);
        event.set("urls", MAPPER.valueToTree(urls));
        ObjectNode dims = event.putObject("dimensions");
        dims.put("width", width);
        dims.put("height", height);
        ObjectNode fps = event.putObject("fps");
        for (String f :
                new String[] {
                    "ingress_video_fps", "ingress_audio_fps", "egress_video_fps", "egress_audio_fps"
                }) {
            fps.put(f, 0.0);
        }
        event.put("state", state);
        event.put("source", "sidecar");
        return wrap(event, QUEUE_HEARTBEAT);
    }

    public static ObjectNode error(String message) {
        ObjectNode event = event(ERROR);
        event.put("message", message);
        event.put("source", "sidecar");
        return wrap(event, QUEUE_STREAM_EVENTS);
    }

    public static ObjectNode streamStopped(String reason) {
        ObjectNode event = event(STREAM_STOPPED);
        event.put("reason", reason);
        event.put("source", "sidecar");
        return wrap(event, QUEUE_STREAM_EVENTS);
    }

    private static ObjectNode event(String type) {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("type", type);
        event.put("timestamp", System.currentTimeMillis());
        return event;
    }

    private static ObjectNode wrap(ObjectNode event, String queue) {
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.set("event", event);
        envelope.put("queue_event_type", queue);
        return envelope;
    }
}
