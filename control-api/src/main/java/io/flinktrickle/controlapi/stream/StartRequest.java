package io.flinktrickle.controlapi.stream;

import io.flinktrickle.processor.params.InvalidParamsException;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A validated {@code /stream/start} body, as PyTrickle reads it: {@code subscribe_url, publish_url,
 * control_url, events_url, data_url, gateway_request_id} (required) and {@code params}; other keys
 * ({@code stream_id, manifest_id, model_id, request_id}) are ignored. Params are validated exactly
 * as PyTrickle does ({@link StreamParams#validate}); {@code width}/{@code height} default to 512.
 * This runner transforms video, so {@code subscribe_url} and {@code publish_url} are required.
 * Sizes are bounded so that every message about the stream fits the sidecar's channels ({@link
 * SidecarChannelLimits}): each URL, the request id, the params. A URL is checked as the job checks
 * it (an http(s) URL with a host); any character a URL may hold is taken: the job gets each URL as
 * one whole argument ({@link JobArguments}).
 *
 * <p>Immutable.
 */
@Internal
public final class StartRequest {

    static final int DEFAULT_SIZE = 512;

    /** Stream ids become channel names and job names: kept to URL- and argument-safe text. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public final String requestId;
    public final String streamId;
    public final URI subscribe;
    public final URI publish;
    public final URI control;
    public final URI events;
    public final URI data;
    public final Map<String, Object> params;
    public final int width;
    public final int height;

    private StartRequest(
            String requestId, String streamId, Map<String, URI> urls, Map<String, Object> params) {
        this.requestId = requestId;
        this.streamId = streamId;
        this.subscribe = urls.get("subscribe_url");
        this.publish = urls.get("publish_url");
        this.control = urls.get("control_url");
        this.events = urls.get("events_url");
        this.data = urls.get("data_url");
        this.params = params;
        this.width = (Integer) params.getOrDefault(StreamParams.WIDTH, DEFAULT_SIZE);
        this.height = (Integer) params.getOrDefault(StreamParams.HEIGHT, DEFAULT_SIZE);
    }

    /**
     * @param body the parsed JSON body
     * @param streamIdHeader the {@code X-Stream-Id} header, or null: the stream's id, else {@code
     *     gateway_request_id}
     * @throws StreamException {@link StreamException.Reason#BAD_REQUEST} with the reason
     */
    public static StartRequest parse(JsonNode body, String streamIdHeader) {
        if (body == null || !body.isObject()) {
            throw bad("the body must be a JSON object");
        }
        JsonNode rid = body.get("gateway_request_id");
        if (rid == null || rid.isNull() || rid.asText().isBlank() || rid.isContainerNode()) {
            throw bad("gateway_request_id is required");
        }
        String requestId = rid.asText();
        if (utf8Bytes(requestId) > SidecarChannelLimits.MAX_REQUEST_ID_BYTES) {
            throw bad(
                    "gateway_request_id must be at most "
                            + SidecarChannelLimits.MAX_REQUEST_ID_BYTES
                            + " bytes");
        }
        String streamId =
                streamIdHeader != null && !streamIdHeader.isBlank()
                        ? streamIdHeader.trim()
                        : requestId;
        if (!SAFE_ID.matcher(streamId).matches()) {
            throw bad(
                    "stream id "
                            + quote(streamId)
                            + " must be 1-128 characters of A-Z a-z 0-9 . _ : -");
        }
        Map<String, URI> urls = new LinkedHashMap<>();
        for (String field :
                new String[] {
                    "subscribe_url", "publish_url", "control_url", "events_url", "data_url"
                }) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull() && !(v.isTextual() && v.asText().isEmpty())) {
                urls.put(field, url(field, v));
            }
        }
        for (String required : new String[] {"subscribe_url", "publish_url"}) {
            if (!urls.containsKey(required)) {
                throw bad(
                        required
                                + " is required: this runner reads video from subscribe_url and"
                                + " publishes processed video to publish_url");
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        JsonNode p = body.get("params");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw bad("params must be a JSON object");
            }
            try {
                params = StreamParams.parseAndValidate(p.toString());
            } catch (InvalidParamsException e) {
                throw bad(e.getMessage());
            }
            checkParamsSize(params, "params");
        }
        for (String side : new String[] {StreamParams.WIDTH, StreamParams.HEIGHT}) {
            Object v = params.get(side);
            if (v instanceof Integer && ((Integer) v) % 2 != 0) {
                throw bad(side + " must be even (H.264 4:2:0) but is " + v);
            }
        }
        return new StartRequest(requestId, streamId, urls, params);
    }

    private static URI url(String field, JsonNode v) {
        if (!v.isTextual()) {
            throw bad(field + " must be a string URL");
        }
        String text = v.asText().trim();
        URI u;
        try {
            u = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw bad(field + " is not a URL: " + quote(text));
        }
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                || u.getHost() == null) {
            throw bad(field + " must be an http(s) URL with a host: " + quote(text));
        }
        if (utf8Bytes(text) > SidecarChannelLimits.MAX_URL_BYTES) {
            throw bad(
                    field
                            + " must be at most "
                            + SidecarChannelLimits.MAX_URL_BYTES
                            + " bytes: "
                            + quote(text));
        }
        return u;
    }

    /**
     * Params travel in messages of the sidecar's channels (an update; the events that carry them):
     * at most {@link SidecarChannelLimits#MAX_PARAMS_BYTES} as JSON.
     *
     * @throws StreamException BAD_REQUEST when larger
     */
    static void checkParamsSize(java.util.Map<String, ?> params, String what) {
        int bytes = utf8Bytes(StreamParams.toJson(params));
        if (bytes > SidecarChannelLimits.MAX_PARAMS_BYTES) {
            throw bad(
                    what
                            + " are too large: "
                            + bytes
                            + " bytes of JSON, at most "
                            + SidecarChannelLimits.MAX_PARAMS_BYTES);
        }
    }

    private static int utf8Bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static String quote(String s) {
        return "'" + (s.length() > 200 ? s.substring(0, 200) + "…" : s) + "'";
    }

    private static StreamException bad(String message) {
        return new StreamException(StreamException.Reason.BAD_REQUEST, message);
    }

    /** The URLs as the events' {@code urls} block names them. */
    public Map<String, String> urls() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("subscribe", subscribe.toString());
        m.put("publish", publish.toString());
        if (control != null) {
            m.put("control", control.toString());
        }
        if (events != null) {
            m.put("events", events.toString());
        }
        if (data != null) {
            m.put("data", data.toString());
        }
        return m;
    }
}
