package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.StreamLifecycle;

import java.util.HashMap;
import java.util.Map;

/**
 * The attributes of the streams that started in band (their start frame, {@link StreamLifecycle}),
 * by key, with the configured ones as fallback: a stream's id, its channels by role, its start
 * params. Kept across a stream's restarts, until the stream ends for good ({@link #forget}): a
 * long-lived job sees many.
 *
 * <p>Threads: mailbox thread only.
 */
final class StreamAnnouncements {
    private final ProcessingSettings settings;
    private final Map<String, Map<String, String>> announced = new HashMap<>();

    StreamAnnouncements(ProcessingSettings settings) {
        this.settings = settings;
    }

    /** Stream {@code key} started (again) with {@code attributes}. */
    void announce(String key, Map<String, String> attributes) {
        announced.put(key, attributes);
    }

    /** The stream's id (its key, unless the source salted the key to place it). */
    String id(String key) {
        return StreamLifecycle.id(key, announced.getOrDefault(key, Map.of()));
    }

    /** The stream's id as its sidecar and orchestrator know it. */
    String publicId(String key) {
        return StreamLifecycle.publicId(key, announced.getOrDefault(key, Map.of()));
    }

    /** The stream's channels by role: announced, else configured. */
    Map<String, String> urls(String key) {
        Map<String, String> attributes = announced.get(key);
        Map<String, String> urls = attributes == null ? Map.of() : StreamLifecycle.urls(attributes);
        return urls.isEmpty() ? settings.streamUrls.getOrDefault(key, Map.of()) : urls;
    }

    /** The start params of a stream that has no params state: announced, else configured. */
    String startParams(String key) {
        Map<String, String> attributes = announced.get(key);
        String json = attributes == null ? null : attributes.get(StreamLifecycle.PARAMS);
        return json != null ? json : settings.initialParamsJson.get(key);
    }

    /** The stream ended for good. */
    void forget(String key) {
        announced.remove(key);
    }
}
