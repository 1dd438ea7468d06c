package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stream's start and end in band: {@link ControlFrame}s of role {@link #ROLE} that {@link
 * StreamChannelsDecoder} emits before a stream's first frame and after its last (see {@link
 * io.flinktrickle.connector.trickle.source.SegmentDecoder#streamStarted}). A start carries the
 * stream's attributes (from its {@link StreamAnnouncement}: its id, frame size, start params and
 * output channels), so that operators and sinks downstream learn about a stream that was added
 * while the job runs; an end may carry why the stream failed. Between the two, an error frame
 * reports a problem with the stream's input that does not end it (e.g. its decoder failing segment
 * after segment): the stream goes on, and its caller should hear why it has no output.
 *
 * <p>The frame's JSON: {@code {"op":"start","attributes":{…}}}, {@code
 * {"op":"end"[,"failure":"…"]}} or {@code {"op":"error","failure":"…"}}.
 */
@PublicEvolving
public final class StreamLifecycle {

    /** The {@link ControlFrame#source()} of start and end frames. */
    public static final String ROLE = "stream";

    /** Attribute: the decoded frame width of the stream (overrides the decoder's). */
    public static final String WIDTH = "width";

    /** Attribute: the decoded frame height of the stream (overrides the decoder's). */
    public static final String HEIGHT = "height";

    /** Attribute: the stream's start params, a JSON object. */
    public static final String PARAMS = "params";

    /**
     * Prefix of the attributes naming the stream's channels by role ({@code url.publish}, {@code
     * url.events}, {@code url.data}, …), reported in heartbeats and used to route its output.
     */
    public static final String URL_PREFIX = "url.";

    private static final String OP_START = "start";
    private static final String OP_END = "end";
    private static final String OP_ERROR = "error";
    private static final String FAILURE = "failure";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private StreamLifecycle() {}

    /** The start of stream {@code streamKey} with {@code attributes}. */
    public static ControlFrame start(String streamKey, Map<String, String> attributes) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("op", OP_START);
        ObjectNode attrs = json.putObject("attributes");
        attributes.forEach(attrs::put);
        return frame(streamKey, json);
    }

    /** The end of stream {@code streamKey}; {@code failure} says why it failed, or is null. */
    public static ControlFrame end(String streamKey, String failure) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("op", OP_END);
        if (failure != null) {
            json.put(FAILURE, failure);
        }
        return frame(streamKey, json);
    }

    /** A problem with stream {@code streamKey}'s input that does not end it (yet). */
    public static ControlFrame error(String streamKey, String failure) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("op", OP_ERROR);
        json.put(FAILURE, failure);
        return frame(streamKey, json);
    }

    private static ControlFrame frame(String streamKey, ObjectNode json) {
        try {
            return new ControlFrame(
                    streamKey,
                    0,
                    System.currentTimeMillis(),
                    MAPPER.writeValueAsString(json),
                    ROLE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code frame} is a stream's start or end. */
    public static boolean isLifecycle(Frame frame) {
        return frame instanceof ControlFrame && ROLE.equals(((ControlFrame) frame).source());
    }

    public static boolean isStart(Frame frame) {
        return isLifecycle(frame) && OP_START.equals(op(frame));
    }

    public static boolean isEnd(Frame frame) {
        return isLifecycle(frame) && OP_END.equals(op(frame));
    }

    /** Whether {@code frame} reports a problem with a running stream's input. */
    public static boolean isError(Frame frame) {
        return isLifecycle(frame) && OP_ERROR.equals(op(frame));
    }

    /** The attributes of a start frame (empty for any other frame). */
    public static Map<String, String> attributes(Frame frame) {
        if (!isStart(frame)) {
            return Map.of();
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        JsonNode attrs = read(frame).path("attributes");
        for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> a = it.next();
            attributes.put(a.getKey(), a.getValue().asText());
        }
        return Collections.unmodifiableMap(attributes);
    }

    /** Why the stream of an end frame failed, or an error frame's problem; else null. */
    public static String failure(Frame frame) {
        JsonNode f = isEnd(frame) || isError(frame) ? read(frame).get(FAILURE) : null;
        return f == null || f.isNull() ? null : f.asText();
    }

    /** The stream's channel URLs by role, from the {@link #URL_PREFIX} attributes. */
    public static Map<String, String> urls(Map<String, String> attributes) {
        Map<String, String> urls = new LinkedHashMap<>();
        attributes.forEach(
                (k, v) -> {
                    if (k.startsWith(URL_PREFIX)) {
                        urls.put(k.substring(URL_PREFIX.length()), v);
                    }
                });
        return urls;
    }

    /**
     * The attribute with the id a stream is known by outside the job (its sidecar's and its
     * orchestrator's) when the job knows it by one run of it ({@code <id>-<run>}): the sidecar's
     * runner announcements set it.
     */
    public static final String PUBLIC_ID = "sidecar.stream-id";

    /** The id the stream is known by outside the job: its {@link #PUBLIC_ID}, else {@link #id}. */
    public static String publicId(String streamKey, Map<String, String> attributes) {
        String id = attributes.get(PUBLIC_ID);
        return id != null ? id : id(streamKey, attributes);
    }

    /** The stream's id: its {@link StreamAnnouncement#ID_ATTRIBUTE}, else its key. */
    public static String id(String streamKey, Map<String, String> attributes) {
        return attributes.getOrDefault(StreamAnnouncement.ID_ATTRIBUTE, streamKey);
    }

    private static String op(Frame frame) {
        return read(frame).path("op").asText("");
    }

    private static JsonNode read(Frame frame) {
        try {
            return MAPPER.readTree(((ControlFrame) frame).json());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a stream lifecycle frame: " + frame, e);
        }
    }
}
