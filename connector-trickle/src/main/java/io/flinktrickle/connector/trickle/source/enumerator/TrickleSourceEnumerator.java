package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.JdkTrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.source.ChannelDiscovery;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.util.FlinkRuntimeException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
 * </ol>
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
    }

    @Override
    public void start() {
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
        Iterator<TrickleChannelSplit> it = pending.values().iterator();
        while (it.hasNext()) {
            TrickleChannelSplit split = it.next();
            int owner = KeyGroupSplitAssigner.ownerOf(split.key(), maxParallelism, parallelism);
            if (readers.contains(owner)) {
                LOG.info("assigning trickle channel {} to subtask {}", split.key(), owner);
                context.assignSplit(split, owner);
                assigned.add(split.key());
                it.remove();
            }
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

    /**
     * Whether no split comes after the first discovery: bounded reading, or a fixed channel list.
     * Readers are then told so, and the source finishes once all its channels have ended.
     */
    private boolean noMoreAfterDiscovery() {
        return bounded || discovery == null;
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
        } else if (event instanceof ChannelFinishedEvent) {
            for (String key : ((ChannelFinishedEvent) event).keys()) {
                LOG.info("trickle channel {} ended", key);
                if (!bounded) {
                    assigned.remove(key);
                }
            }
        }
    }

    @Override
    public TrickleSourceEnumState snapshotState(long checkpointId) {
        return new TrickleSourceEnumState(pending, assigned);
    }

    @Override
    public void close() {
        // The context stops the discovery calls.
    }

    private static String stripSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
