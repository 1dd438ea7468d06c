package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The streams an enumerator reads because they were announced: by the key each is read under, and
 * by id (an id is read once at a time). Places a new stream ({@link StreamPlacement}) and makes its
 * splits; renders the registry.
 *
 * <p>Coordinator thread only.
 */
@Internal
final class AnnouncedStreams {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<String, StreamAnnouncement> byKey = new LinkedHashMap<>();
    private final Map<String, String> keyById = new HashMap<>();

    AnnouncedStreams(Map<String, StreamAnnouncement> restored) {
        restored.forEach(this::put);
    }

    private void put(String key, StreamAnnouncement a) {
        byKey.put(key, a);
        keyById.put(a.id(), key);
    }

    /** Whether stream {@code id} is read now. */
    boolean reads(String id) {
        return keyById.containsKey(id);
    }

    /**
     * Places {@code a} on the least-loaded subtask among the streams of {@code keysInUse} and
     * returns its splits (the attributes and the stream's id on its main channel's).
     */
    List<TrickleChannelSplit> place(
            StreamAnnouncement a,
            Set<String> keysInUse,
            StartPosition defaultStart,
            int maxParallelism,
            int parallelism) {
        int target = StreamPlacement.leastLoaded(keysInUse, maxParallelism, parallelism);
        String key = StreamPlacement.keyFor(a.id(), target, keysInUse, maxParallelism, parallelism);
        put(key, a);
        Map<String, String> attributes = new LinkedHashMap<>(a.attributes());
        attributes.put(StreamAnnouncement.ID_ATTRIBUTE, a.id());
        List<TrickleChannelSplit> splits = new ArrayList<>();
        for (Map.Entry<String, URI> c : a.channels().entrySet()) {
            String role = c.getKey();
            boolean main = StreamAnnouncement.MAIN_ROLE.equals(role);
            String channelKey = main ? key : key + KeyGroupSplitAssigner.ROLE_SEPARATOR + role;
            StartPosition from = a.start(role);
            splits.add(
                    new TrickleChannelSplit(
                            channelKey,
                            c.getValue(),
                            (from != null ? from : defaultStart).seq(),
                            0,
                            TrickleChannelSplit.NO_STOPPING_SEQ,
                            main ? attributes : Map.of()));
        }
        return splits;
    }

    /** The stream read under {@code key} ended; false if {@code key} is no stream's main key. */
    boolean ended(String key) {
        StreamAnnouncement a = byKey.remove(key);
        if (a == null) {
            return false;
        }
        keyById.remove(a.id(), key);
        return true;
    }

    Set<String> keys() {
        return Collections.unmodifiableSet(byKey.keySet());
    }

    Map<String, StreamAnnouncement> snapshot() {
        return new LinkedHashMap<>(byKey);
    }

    /**
     * The registry: {@code {"streams":[{"stream":id,"key":…,"subtask":n,"announcement":{…}}],
     * "announcementsSeq":n}}, each announcement without the {@code omitted} attributes.
     */
    String registry(
            long announcementsSeq, int maxParallelism, int parallelism, List<String> omitted) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode streams = root.putArray("streams");
        try {
            for (Map.Entry<String, StreamAnnouncement> s : byKey.entrySet()) {
                ObjectNode entry = streams.addObject();
                entry.put("stream", s.getValue().id());
                entry.put("key", s.getKey());
                entry.put(
                        "subtask",
                        KeyGroupSplitAssigner.ownerOf(s.getKey(), maxParallelism, parallelism));
                ObjectNode announcement = (ObjectNode) MAPPER.readTree(s.getValue().toJson());
                JsonNode attributes = announcement.path("attributes");
                if (attributes.isObject()) {
                    ((ObjectNode) attributes).remove(omitted);
                }
                entry.set("announcement", announcement);
            }
            root.put("announcementsSeq", announcementsSeq);
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the registry", e);
        }
    }
}
