package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.api.connector.source.SplitEnumeratorContext;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The enumerator's announced streams: it follows the announcements channel ({@link
 * AnnouncementChannel}), places each new stream on the least-loaded subtask ({@link
 * AnnouncedStreams#place}, {@link StreamPlacement}) and hands its channels to {@link
 * SplitAssignments} as pending splits, all assigned in one go (so that the reader starts the stream
 * before any of its channels produce). A stream stays until its main channel ends ({@link #ended});
 * the registry of active streams is published after each change and on request.
 *
 * <p>Threads: the announcement channel's reader thread only hands messages over, through {@code
 * context.runInCoordinatorThread}; everything else here runs on the coordinator thread.
 */
final class StreamAnnouncements {

    private static final Logger LOG = LoggerFactory.getLogger(StreamAnnouncements.class);

    private final SplitEnumeratorContext<TrickleChannelSplit> context;
    private final SplitAssignments assignments;
    private final URI announcements;
    private final URI registry;

    /** Attributes left out of the registry's entries. */
    private final List<String> registryOmits;

    private final TrickleClientConfig clientConfig;
    private final StartPosition start;
    private final int maxParallelism;
    private final AnnouncedStreams streams;

    /** The seq of the next announcement to read. */
    private long announcementsSeq;

    private AnnouncementChannel channel;

    StreamAnnouncements(
            SplitEnumeratorContext<TrickleChannelSplit> context,
            SplitAssignments assignments,
            URI announcements,
            URI registry,
            List<String> registryOmits,
            TrickleClientConfig clientConfig,
            StartPosition start,
            int maxParallelism,
            TrickleSourceEnumState restored) {
        this.context = context;
        this.assignments = assignments;
        this.announcements = announcements;
        this.registry = registry;
        this.registryOmits = List.copyOf(registryOmits);
        this.clientConfig = clientConfig;
        this.start = start;
        this.maxParallelism = maxParallelism;
        this.streams = new AnnouncedStreams(restored.streams());
        this.announcementsSeq = restored.announcementsSeq();
    }

    /** Coordinator thread: starts following the channel (a no-op without one). */
    void start() {
        if (announcements == null) {
            return;
        }
        long from = Math.max(0, announcementsSeq);
        channel =
                new AnnouncementChannel(
                        announcements,
                        registry,
                        from,
                        clientConfig,
                        (message, seq) ->
                                context.runInCoordinatorThread(() -> onMessage(message, seq)));
        channel.start();
        if (!streams.keys().isEmpty()) {
            publishRegistry(); // restored: a controller sees what runs again
        }
    }

    /** Coordinator thread: an announcement, or a request for the registry. */
    private void onMessage(JsonNode message, long seq) {
        announcementsSeq = seq + 1;
        String op = message.path("op").asText("");
        if (StreamAnnouncement.OP_REGISTRY.equals(op)) {
            publishRegistry();
            return;
        }
        StreamAnnouncement announced;
        try {
            announced = StreamAnnouncement.fromJson(message);
        } catch (IllegalArgumentException e) {
            LOG.warn("announcement {} skipped: {}", seq, e.getMessage());
            return;
        }
        if (streams.reads(announced.id())) {
            LOG.info("stream {} is read already; announcement {} ignored", announced.id(), seq);
            return;
        }
        int parallelism = context.currentParallelism();
        Set<String> keysInUse = new HashSet<>(streams.keys());
        keysInUse.addAll(assignments.streamKeys());
        List<TrickleChannelSplit> splits =
                streams.place(announced, keysInUse, start, maxParallelism, parallelism);
        assignments.addPlaced(splits);
        String key = splits.get(0).key();
        LOG.info(
                "stream {} placed on subtask {} as {}",
                announced.id(),
                KeyGroupSplitAssigner.ownerOf(key, maxParallelism, parallelism),
                key);
        assignments.assignPending();
        publishRegistry();
    }

    /**
     * Coordinator thread: the channel of {@code key} ended; true if it was a stream's main channel
     * (the stream is over; the caller publishes the registry once for all that ended).
     */
    boolean ended(String key) {
        return streams.ended(key);
    }

    /**
     * Coordinator thread: the active streams, as {@code {"streams":[{"stream":id,"key":…,
     * "subtask":n,"announcement":{…}}],"announcementsSeq":n}} (a no-op without a channel).
     */
    void publishRegistry() {
        if (channel == null) {
            return;
        }
        channel.publishRegistry(
                streams.registry(
                        announcementsSeq,
                        maxParallelism,
                        context.currentParallelism(),
                        registryOmits));
    }

    /** The active streams by key, for the checkpoint. */
    Map<String, StreamAnnouncement> snapshot() {
        return streams.snapshot();
    }

    /** The seq of the next announcement to read, for the checkpoint. */
    long nextSeq() {
        return announcementsSeq;
    }

    /** Any thread: stops following the channel. */
    void close() {
        if (channel != null) {
            channel.close();
        }
    }
}
