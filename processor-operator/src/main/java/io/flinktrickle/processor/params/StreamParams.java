package io.flinktrickle.processor.params;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Stream params as PyTrickle validates them ({@code StreamParamsUpdateRequest.validate_params}): a
 * JSON object with string keys; {@code width} and {@code height} together, as positive integers
 * (integer strings accepted); {@code max_framerate} an integer from 1 to 60; {@code
 * detect_out_resolution} boolean-ish. Other keys pass unchanged. Used by the operator for control
 * messages and by the control API for HTTP bodies, so both answer the same way.
 *
 * <p>Stateless and thread-safe.
 */
@PublicEvolving
public final class StreamParams {

    public static final String WIDTH = "width";
    public static final String HEIGHT = "height";
    public static final String MAX_FRAMERATE = "max_framerate";
    public static final String DETECT_OUT_RESOLUTION = "detect_out_resolution";
    public static final String SHOW_LOADING = "show_loading";

    /** The smallest and largest {@code max_framerate} PyTrickle accepts. */
    public static final int MIN_FRAMERATE = 1;

    public static final int MAX_FRAMERATE_LIMIT = 60;

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,9}");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP =
            new TypeReference<>() {};

    private StreamParams() {}

    /** Parses a JSON object (no validation); anything else is an {@link InvalidParamsException}. */
    public static Map<String, Object> parse(String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidParamsException(
                    "params are not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || node.isMissingNode()) {
            throw new InvalidParamsException("params must be a JSON object but are empty");
        }
        if (!node.isObject()) {
            throw new InvalidParamsException(
                    "params must be a JSON object but are "
                            + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return MAPPER.convertValue(node, MAP);
    }

    /** The gateway's keepalive on the control channel, {@code {"keep":"alive"}}. */
    public static boolean isKeepAlive(Map<String, ?> message) {
        return message.size() == 1 && "alive".equals(message.get("keep"));
    }

    /** A validated, normalised copy (integers as {@link Integer}, booleans as {@link Boolean}). */
    public static Map<String, Object> validate(Map<String, ?> params) {
        Map<String, Object> out = new LinkedHashMap<>(params);
        boolean hasWidth = params.containsKey(WIDTH);
        boolean hasHeight = params.containsKey(HEIGHT);
        if (hasWidth != hasHeight) {
            throw new InvalidParamsException("width and height must be given together");
        }
        if (hasWidth) {
            out.put(WIDTH, positiveInt(WIDTH, params.get(WIDTH)));
            out.put(HEIGHT, positiveInt(HEIGHT, params.get(HEIGHT)));
        }
        if (params.containsKey(MAX_FRAMERATE)) {
            int fps = integer(MAX_FRAMERATE, params.get(MAX_FRAMERATE));
            if (fps < MIN_FRAMERATE || fps > MAX_FRAMERATE_LIMIT) {
                throw new InvalidParamsException(
                        "max_framerate must be between "
                                + MIN_FRAMERATE
                                + " and "
                                + MAX_FRAMERATE_LIMIT
                                + " but is "
                                + fps);
            }
            out.put(MAX_FRAMERATE, fps);
        }
        if (params.containsKey(DETECT_OUT_RESOLUTION)) {
            out.put(
                    DETECT_OUT_RESOLUTION,
                    booleanish(DETECT_OUT_RESOLUTION, params.get(DETECT_OUT_RESOLUTION)));
        }
        if (params.containsKey(SHOW_LOADING)) {
            out.put(SHOW_LOADING, booleanish(SHOW_LOADING, params.get(SHOW_LOADING)));
        }
        return Collections.unmodifiableMap(out);
    }

    /** {@link #parse} then {@link #validate}. */
    public static Map<String, Object> parseAndValidate(String json) {
        return validate(parse(json));
    }

    /** {@code base} with every key of {@code update} replaced (latest wins). */
    public static Map<String, Object> merge(Map<String, ?> base, Map<String, ?> update) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        merged.putAll(update);
        return Collections.unmodifiableMap(merged);
    }

    public static String toJson(Map<String, ?> params) {
        try {
            return MAPPER.writeValueAsString(params);
        } catch (JsonProcessingException e) {
            throw new InvalidParamsException("params cannot be written as JSON", e);
        }
    }

    private static int positiveInt(String key, Object value) {
        int v = integer(key, value);
        if (v <= 0) {
            throw new InvalidParamsException(key + " must be a positive integer but is " + v);
        }
        return v;
    }

    private static int integer(String key, Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            long v = ((Number) value).longValue();
            if (v == (int) v) {
                return (int) v;
            }
        } else if (value instanceof String && INTEGER.matcher(((String) value).trim()).matches()) {
            return Integer.parseInt(((String) value).trim());
        }
        throw new InvalidParamsException(key + " must be an integer but is " + describe(value));
    }

    private static boolean booleanish(String key, Object value) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue() != 0;
        }
        if (value instanceof String) {
            switch (((String) value).trim().toLowerCase(Locale.ROOT)) {
                case "true":
                case "1":
                case "yes":
                    return true;
                case "false":
                case "0":
                case "no":
                    return false;
                default:
                    break;
            }
        }
        throw new InvalidParamsException(key + " must be a boolean but is " + describe(value));
    }

    private static String describe(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }
}
