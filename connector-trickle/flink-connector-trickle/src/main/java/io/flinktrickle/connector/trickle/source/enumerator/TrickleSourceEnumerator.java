package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.JdkTrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.source.ChannelDiscovery;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.util.FlinkRuntimeException;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Hands each channel (split) to the reader that owns its stream key by Flink's key-group
 * partitioning ({@link KeyGroupSplitAssigner}).
 *
 * <ol>
 *   <li>{@link #start()} (coordinator thread) schedules discovery: once for a fixed channel list,
 *       every {@code discoveryInterval} with a {@link ChannelDiscovery}. Discovery runs on the
 *       context's worker thread ({@code callAsync}); for bounded reading it also asks each
 *       channel's {@code /next}, which becomes the split's stopping seq.
 *   <li>New splits are assigned on the coordinator thread as soon as their owner is registered
 *       ({@link #addReader}); splits of a failed reader come back through {@link #addSplitsBack}
 *       and are assigned again when it re-registers.
 *   <li>Bounded: once the first discovery is done, every reader is told {@code signalNoMoreSplits},
 *       including readers that got no split.
 *   <li>With an announcements channel ({@link AnnouncementChannel}, its own reader thread), each
 *       announced stream is placed on the least-loaded subtask ({@link StreamPlacement}) on the
 *       coordinator thread: its channels become splits under a key that subtask owns, all assigned
 *       in one go (so that the reader starts the stream before any of its channels produce). The
 *       stream stays in the state until its main channel ends ({@link ChannelFinishedEvent}); the
 *       registry of active streams is published after each change and on request.
 * </ol>
 *
 * <p>A stream's splits are always assigned together, in one assignment per reader.
 */
@Internal
public final class TrickleSourceEnumerator
        implements SplitEnumerator<TrickleChannelSplit, TrickleSourceEnumState> {

    private static final Logger LOG = LoggerFactory.getLogger(TrickleSourceEnumerator.class);

    private final SplitEnumeratorContext<TrickleChannelSplit> context;
    private final Map<String, URI> fixedChannels;
    private final Map<String, StartPosition> channelStarts;
    private final ChannelDiscovery discovery;
    private final Duration discoveryInterval;
    private final StartPosition start;
    private final boolean bounded;
    private final int maxParallelism;
    private final TrickleClientConfig clientConfig;
    private final Map<String, TrickleChannelSplit> pending;
    private final Set<String> assigned;
    private final Set<Integer> toldNoMoreSplits = new HashSet<>();
    private final AnnouncedStreams streams;

    /** The assigned keys of the restored state not yet confirmed by a reader (restore only). */
    private final Set<String> restoredAssigned;

    /** What each reader reported it reads, until every reader did (restore only). */
    private final Map<Integer, List<String>> heldBy = new HashMap<>();

    private final URI announcements;
    private final URI registry;

    /** Attributes left out of the registry's entries. */
    private final List<String> registryOmits;

    private long announcementsSeq;
    private AnnouncementChannel announcementChannel;
    private boolean discoveredOnce;

    public TrickleSourceEnumerator(
            SplitEnumeratorContext<TrickleChannelSplit> context,
            Map<String, URI> fixedChannels,
            Map<String, StartPosition> channelStarts,
            ChannelDiscovery discovery,
            Duration discoveryInterval,
            StartPosition start,
            boolean bounded,
            int maxParallelism,
            TrickleClientConfig clientConfig,
            URI announcements,
            URI registry,
            List<String> registryOmits,
            TrickleSourceEnumState restored) {
        this.context = context;
        this.fixedChannels = fixedChannels;
        this.channelStarts = channelStarts;
        this.discovery = discovery;
        this.discoveryInterval = discoveryInterval;
        this.start = start;
        this.bounded = bounded;
        this.maxParallelism = maxParallelism;
        this.clientConfig = clientConfig;
        this.pending = new LinkedHashMap<>(restored.pending());
        this.assigned = new HashSet<>(restored.assigned());
        this.streams = new AnnouncedStreams(restored.streams());
        this.restoredAssigned = new HashSet<>(restored.assigned());
        this.announcements = announcements;
        this.registry = registry;
        this.registryOmits = List.copyOf(registryOmits);
        this.announcementsSeq = restored.announcementsSeq();
    }

    @Override
    public void start() {
        if (announcements != null) {
            long from = Math.max(0, announcementsSeq);
            announcementChannel =
                    new AnnouncementChannel(
                            announcements,
                            registry,
                            from,
                            clientConfig,
                            (message, seq) ->
                                    context.runInCoordinatorThread(
                                            () -> onAnnouncement(message, seq)));
            announcementChannel.start();
            if (!streams.keys().isEmpty()) {
                publishRegistry(); // restored: a controller sees what runs again
            }
        }
        if (fixedChannels.isEmpty() && discovery == null) {
            discoveredOnce = true; // announcements only: nothing to discover
            return;
        }
        if (discovery == null || bounded) {
            context.callAsync(this::discover, this::onDiscovered);
        } else {
            context.callAsync(this::discover, this::onDiscovered, 0, discoveryInterval.toMillis());
        }
    }

    /** Worker thread: the channels to read now, as new splits. */
    private List<TrickleChannelSplit> discover() throws Exception {
        Map<String, URI> channels = discovery != null ? discovery.discover() : fixedChannels;
        List<TrickleChannelSplit> found = new ArrayList<>(channels.size());
        for (Map.Entry<String, URI> c : channels.entrySet()) {
            long stop = bounded ? liveEdge(c.getValue()) : TrickleChannelSplit.NO_STOPPING_SEQ;
            long from = channelStarts.getOrDefault(c.getKey(), start).seq();
            found.add(new TrickleChannelSplit(c.getKey(), c.getValue(), from, 0, stop));
        }
        return found;
    }

    /** The channel's {@code nextWrite}, where bounded reading stops; 0 for an unknown channel. */
    private long liveEdge(URI channel) throws Exception {
        URI next = URI.create(stripSlash(channel) + "/" + TrickleProtocol.NEXT_PATH);
        try (TrickleHttp http = JdkTrickleHttp.shared(clientConfig);
                TrickleHttp.Response r =
                        http.get(next, clientConfig.requestTimeout())
                                .get(
                                        clientConfig.requestTimeout().toMillis() * 2,
                                        TimeUnit.MILLISECONDS)) {
            if (r.status() == 404) {
                return 0;
            }
            if (r.status() != 200) {
                throw new IOException(
                        "bounded reading needs the live edge from "
                                + next
                                + ", which answered "
                                + r.status()
                                + " (servers older than go-livepeer v0.8.11 have no /next)");
            }
            return Long.parseLong(
                    new String(r.body().readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    /** Coordinator thread. */
    private void onDiscovered(List<TrickleChannelSplit> found, Throwable error) {
        if (error != null) {
            if (!discoveredOnce) {
                throw new FlinkRuntimeException("trickle channel discovery failed", error);
            }
            LOG.warn("trickle channel discovery failed, trying again later", error);
            return;
        }
        for (TrickleChannelSplit split : found) {
            if (!assigned.contains(split.key()) && !pending.containsKey(split.key())) {
                LOG.info("new trickle channel {} at {}", split.key(), split.uri());
                pending.put(split.key(), split);
            }
        }
        discoveredOnce = true;
        assignPending();
    }

    private void assignPending() {
        int parallelism = context.currentParallelism();
        Set<Integer> readers = context.registeredReaders().keySet();
        Map<Integer, List<TrickleChannelSplit>> byOwner = new HashMap<>();
        Iterator<TrickleChannelSplit> it = pending.values().iterator();
        while (it.hasNext()) {
            TrickleChannelSplit split = it.next();
            int owner = KeyGroupSplitAssigner.ownerOf(split.key(), maxParallelism, parallelism);
            if (readers.contains(owner)) {
                LOG.info("assigning trickle channel {} to subtask {}", split.key(), owner);
                byOwner.computeIfAbsent(owner, o -> new ArrayList<>()).add(split);
                assigned.add(split.key());
                // Assigned since the restore: its reader has it whatever it said it held.
                restoredAssigned.remove(split.key());
                it.remove();
            }
        }
        if (!byOwner.isEmpty()) {
            // One addition per reader: a stream's channels arrive together.
            context.assignSplits(new SplitsAssignment<>(byOwner));
        }
        if (noMoreAfterDiscovery() && discoveredOnce) {
            for (int reader : readers) {
                boolean ownsPending = false;
                for (TrickleChannelSplit split : pending.values()) {
                    if (KeyGroupSplitAssigner.ownerOf(split.key(), maxParallelism, parallelism)
                            == reader) {
                        ownsPending = true;
                    }
                }
                if (!ownsPending && toldNoMoreSplits.add(reader)) {
                    context.signalNoMoreSplits(reader);
                }
            }
        }
    }

    // ---------------------------------------------------------------- announcements

    /** Coordinator thread: an announcement, or a request for the registry. */
    private void onAnnouncement(JsonNode message, long seq) {
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
        List<TrickleChannelSplit> splits =
                streams.place(announced, streamKeys(), start, maxParallelism, parallelism);
        splits.forEach(split -> pending.put(split.key(), split));
        String key = splits.get(0).key();
        LOG.info(
                "stream {} placed on subtask {} as {}",
                announced.id(),
                KeyGroupSplitAssigner.ownerOf(key, maxParallelism, parallelism),
                key);
        assignPending();
        publishRegistry();
    }

    /** The stream keys of every known channel (pending or assigned). */
    private Set<String> streamKeys() {
        Set<String> keys = new HashSet<>(streams.keys());
        for (String key : assigned) {
            keys.add(KeyGroupSplitAssigner.streamKeyOf(key));
        }
        for (String key : pending.keySet()) {
            keys.add(KeyGroupSplitAssigner.streamKeyOf(key));
        }
        return keys;
    }

    /**
     * Coordinator thread: the active streams, as {@code {"streams":[{"stream":id,"key":…,
     * "subtask":n,"announcement":{…}}],"announcementsSeq":n}}.
     */
    private void publishRegistry() {
        if (announcementChannel == null) {
            return;
        }
        announcementChannel.publishRegistry(
                streams.registry(
                        announcementsSeq,
                        maxParallelism,
                        context.currentParallelism(),
                        registryOmits));
    }

    /**
     * Whether no split comes after the first discovery: bounded reading, or a fixed channel list
     * without announcements. Readers are then told so, and the source finishes once all its
     * channels have ended.
     */
    private boolean noMoreAfterDiscovery() {
        return bounded || (discovery == null && announcements == null);
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Splits are pushed to their owners; nothing to do on request.
    }

    @Override
    public void addSplitsBack(List<TrickleChannelSplit> splits, int subtaskId) {
        for (TrickleChannelSplit split : splits) {
            assigned.remove(split.key());
            pending.put(split.key(), split);
        }
        toldNoMoreSplits.remove(subtaskId);
        assignPending();
    }

    @Override
    public void addReader(int subtaskId) {
        assignPending();
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof SplitsReturnedEvent) {
            for (TrickleChannelSplit split : ((SplitsReturnedEvent) event).splits()) {
                LOG.info(
                        "trickle channel {} returned by subtask {}, re-assigning",
                        split.key(),
                        subtaskId);
                assigned.remove(split.key());
                pending.put(split.key(), split);
            }
            assignPending();
        } else if (event instanceof SplitsHeldEvent) {
            if (!restoredAssigned.isEmpty()) {
                heldBy.put(subtaskId, ((SplitsHeldEvent) event).keys());
                if (heldBy.size() >= context.currentParallelism()) {
                    forgetChannelsNobodyHolds();
                }
            }
        } else if (event instanceof ChannelFinishedEvent) {
            boolean streamEnded = false;
            for (String key : ((ChannelFinishedEvent) event).keys()) {
                LOG.info("trickle channel {} ended", key);
                if (!bounded) {
                    assigned.remove(key);
                }
                if (streams.ended(key)) {
                    streamEnded = true; // its main channel: the announced stream is over
                }
            }
            if (streamEnded) {
                publishRegistry();
            }
        }
    }

    /**
     * After a restore, once every reader said what it reads: a channel the restored state lists as
     * assigned that no reader holds (and that is not pending again) ended between the enumerator's
     * and the readers' parts of the checkpoint. It is let go, and so is its stream: otherwise it
     * would count as load forever, be listed in the registry, and block a new run of its id.
     */
    private void forgetChannelsNobodyHolds() {
        Set<String> alive = new HashSet<>(pending.keySet());
        heldBy.values().forEach(alive::addAll);
        boolean changed = false;
        for (String key : restoredAssigned) {
            if (!alive.contains(key) && assigned.remove(key)) {
                LOG.info("trickle channel {} ended before the restored checkpoint completed", key);
                changed |= streams.ended(key);
            }
        }
        restoredAssigned.clear();
        heldBy.clear();
        if (changed) {
            publishRegistry();
        }
    }

    @Override
    public TrickleSourceEnumState snapshotState(long checkpointId) {
        return new TrickleSourceEnumState(pending, assigned, streams.snapshot(), announcementsSeq);
    }

    @Override
    public void close() {
        // The context stops the discovery calls.
        if (announcementChannel != null) {
            announcementChannel.close();
        }
    }

    private static String stripSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
