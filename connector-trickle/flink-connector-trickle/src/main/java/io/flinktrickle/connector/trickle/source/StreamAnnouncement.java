package io.flinktrickle.connector.trickle.source;

import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.connector.trickle.source.split.StartPosition;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Serializable;
import java.net.URI;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A stream that a running {@link TrickleSource} is told to read, pushed to it on its announcements
 * channel (see {@link TrickleSourceBuilder#announcements}): the stream's id, its channels by role
 * (the {@link #MAIN_ROLE main} one, e.g. its video, and companions such as {@code control} or
 * {@code params}), where a channel starts when not at the source's start position, and attributes
 * (strings the decoder receives with the main channel, e.g. the frame size or the stream's output
 * channels).
 *
 * <p>One announcement is one JSON message:
 *
 * <pre>{@code
 * {"op":"start","stream":"abc",
 *  "channels":{"main":"http://o/ai/trickle/abc","params":"http://sidecar/abc-params"},
 *  "start":{"params":0},
 *  "attributes":{"width":"512","publish":"http://o/ai/trickle/abc-out"}}
 * }</pre>
 *
 * <p>A stream ends when its main channel ends, or a channel of one of the source's {@link
 * io.flinktrickle.connector.trickle.TrickleOptions#STREAM_ENDING_ROLES stream-ending roles}: a
 * controller stops a stream by deleting such a channel. An announcement of a stream id that is
 * being read already is ignored. {@code {"op":"registry"}} asks the source to publish its active
 * streams on its registry channel (see {@link TrickleSourceBuilder#registry}).
 *
 * <p>Immutable.
 */
@PublicEvolving
public final class StreamAnnouncement implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The role of a stream's main channel in {@code channels}. */
    public static final String MAIN_ROLE = "main";

    /** {@code op} of an announcement that starts a stream. */
    public static final String OP_START = "start";

    /** {@code op} of a request for the source's registry of active streams. */
    public static final String OP_REGISTRY = "registry";

    /**
     * The attribute that holds the stream's id on its main channel's split: the source reads a
     * stream under a key of its own choosing (see {@link #keyFor}), which the id is not.
     */
    public static final String ID_ATTRIBUTE = "stream.id";

    /**
     * Separates a stream id from the salt of the key the source reads it under: ids must not hold
     * it.
     */
    public static final char KEY_SALT_SEPARATOR = '~';

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String id;
    private final LinkedHashMap<String, URI> channels;
    private final LinkedHashMap<String, Long> starts;
    private final TreeMap<String, String> attributes;

    private StreamAnnouncement(Builder b) {
        this.id = b.id;
        this.channels = new LinkedHashMap<>(b.channels);
        this.starts = new LinkedHashMap<>(b.starts);
        this.attributes = new TreeMap<>(b.attributes);
    }

    /** An announcement of stream {@code id} whose main channel is {@code main}. */
    public static Builder builder(String id, URI main) {
        return new Builder(id, main);
    }

    public String id() {
        return id;
    }

    /** The channels by role; {@link #MAIN_ROLE} first. */
    public Map<String, URI> channels() {
        return Collections.unmodifiableMap(channels);
    }

    /** Where the channel of {@code role} starts, or null for the source's start position. */
    public StartPosition start(String role) {
        Long seq = starts.get(role);
        return seq == null ? null : StartPosition.fromSeq(seq);
    }

    public Map<String, String> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    /**
     * The key the stream is read under with salt {@code salt}: the id itself for 0, else {@code
     * id~salt}. A source picks the salt that places the stream on the subtask it chose (Flink
     * assigns keys to subtasks by hash).
     */
    public static String keyFor(String id, int salt) {
        return salt == 0 ? id : id + KEY_SALT_SEPARATOR + salt;
    }

    /** The stream id of a key made by {@link #keyFor}. */
    public static String idOf(String key) {
        int i = key.lastIndexOf(KEY_SALT_SEPARATOR);
        return i < 0 ? key : key.substring(0, i);
    }

    /** The announcement as one JSON message ({@code op} start). */
    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("op", OP_START);
        root.put("stream", id);
        ObjectNode ch = root.putObject("channels");
        channels.forEach((role, url) -> ch.put(role, url.toString()));
        if (!starts.isEmpty()) {
            ObjectNode st = root.putObject("start");
            starts.forEach(st::put);
        }
        ObjectNode attrs = root.putObject("attributes");
        attributes.forEach(attrs::put);
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an announcement", e);
        }
    }

    /**
     * Reads a start announcement.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static StreamAnnouncement fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("an announcement must be a JSON object");
        }
        String op = root.path("op").asText("");
        if (!OP_START.equals(op)) {
            throw new IllegalArgumentException("not a start announcement: op '" + op + "'");
        }
        JsonNode stream = root.get("stream");
        if (stream == null || !stream.isTextual()) {
            throw new IllegalArgumentException("an announcement needs \"stream\": the stream id");
        }
        JsonNode channels = root.path("channels");
        if (!channels.isObject() || !channels.path(MAIN_ROLE).isTextual()) {
            throw new IllegalArgumentException(
                    "announcement of "
                            + stream.asText()
                            + " needs \"channels\" with a \""
                            + MAIN_ROLE
                            + "\" URL");
        }
        Builder b = builder(stream.asText(), url(channels.get(MAIN_ROLE)));
        for (Iterator<Map.Entry<String, JsonNode>> it = channels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            if (!MAIN_ROLE.equals(c.getKey())) {
                b.channel(c.getKey(), url(c.getValue()));
            }
        }
        JsonNode starts = root.path("start");
        for (Iterator<Map.Entry<String, JsonNode>> it = starts.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            if (!s.getValue().canConvertToLong() || s.getValue().asLong() < 0) {
                throw new IllegalArgumentException(
                        "start of role " + s.getKey() + " must be a seq >= 0");
            }
            b.start(s.getKey(), s.getValue().asLong());
        }
        JsonNode attrs = root.path("attributes");
        for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> a = it.next();
            if (!a.getValue().isValueNode()) {
                throw new IllegalArgumentException(
                        "attribute " + a.getKey() + " must be a string, number or boolean");
            }
            b.attribute(a.getKey(), a.getValue().asText());
        }
        return b.build();
    }

    /** {@link #fromJson(JsonNode)} of a JSON text. */
    public static StreamAnnouncement fromJson(String json) {
        try {
            return fromJson(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "an announcement is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static URI url(JsonNode v) {
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("a channel must be a URL string: " + v);
        }
        try {
            return URI.create(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + v.asText(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StreamAnnouncement)) {
            return false;
        }
        StreamAnnouncement a = (StreamAnnouncement) o;
        return id.equals(a.id)
                && channels.equals(a.channels)
                && starts.equals(a.starts)
                && attributes.equals(a.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, channels, starts, attributes);
    }

    @Override
    public String toString() {
        return "StreamAnnouncement{" + id + " " + channels + "}";
    }

    /** Builds a {@link StreamAnnouncement}; {@link #build()} validates. */
    @PublicEvolving
    public static final class Builder {
        private final String id;
        private final Map<String, URI> channels = new LinkedHashMap<>();
        private final Map<String, Long> starts = new LinkedHashMap<>();
        private final Map<String, String> attributes = new TreeMap<>();

        private Builder(String id, URI main) {
            this.id = id;
            channels.put(MAIN_ROLE, main);
        }

        /** A companion channel of the stream, read under key {@code <key>#<role>}. */
        public Builder channel(String role, URI url) {
            channels.put(role, url);
            return this;
        }

        /** Reads the channel of {@code role} from {@code seq} (e.g. 0: every message). */
        public Builder start(String role, long seq) {
            starts.put(role, seq);
            return this;
        }

        public Builder attribute(String name, String value) {
            attributes.put(
                    Objects.requireNonNull(name, "attribute name"),
                    Objects.requireNonNull(value, "value of attribute " + name));
            return this;
        }

        public Builder attributes(Map<String, String> attributes) {
            attributes.forEach(this::attribute);
            return this;
        }

        public StreamAnnouncement build() {
            if (id == null
                    || id.isEmpty()
                    || id.indexOf(KeyGroupSplitAssigner.ROLE_SEPARATOR) >= 0
                    || id.indexOf(KEY_SALT_SEPARATOR) >= 0) {
                throw new IllegalArgumentException(
                        "a stream id must be non-empty, without '"
                                + KeyGroupSplitAssigner.ROLE_SEPARATOR
                                + "' and '"
                                + KEY_SALT_SEPARATOR
                                + "': "
                                + id);
            }
            for (Map.Entry<String, URI> c : channels.entrySet()) {
                String role = c.getKey();
                if (role.isEmpty() || role.indexOf(KeyGroupSplitAssigner.ROLE_SEPARATOR) >= 0) {
                    throw new IllegalArgumentException("bad channel role '" + role + "'");
                }
                URI url = Objects.requireNonNull(c.getValue(), "URL of role " + role);
                String scheme = url.getScheme();
                if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
                        || url.getHost() == null) {
                    throw new IllegalArgumentException(
                            "channel "
                                    + role
                                    + " of stream "
                                    + id
                                    + " needs an http(s) URL: "
                                    + url);
                }
            }
            for (Map.Entry<String, Long> s : starts.entrySet()) {
                if (!channels.containsKey(s.getKey()) || s.getValue() < 0) {
                    throw new IllegalArgumentException(
                            "start of role " + s.getKey() + " needs that channel and a seq >= 0");
                }
            }
            if (attributes.containsKey(ID_ATTRIBUTE)) {
                throw new IllegalArgumentException(
                        "attribute " + ID_ATTRIBUTE + " is reserved for the stream id");
            }
            return new StreamAnnouncement(this);
        }
    }
}
