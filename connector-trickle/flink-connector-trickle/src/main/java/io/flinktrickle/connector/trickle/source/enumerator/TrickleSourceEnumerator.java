package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
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

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Hands each channel (split) to the reader that owns its stream key by Flink's key-group
 * partitioning ({@link KeyGroupSplitAssigner}). The parts:
 *
 * <ol>
 *   <li>{@link SplitDiscovery}: {@link #start()} schedules it once for a fixed channel list or
 *       bounded reading, every {@code discoveryInterval} with a {@link ChannelDiscovery}. It runs
 *       on the context's worker thread ({@code callAsync}); its result comes back to {@link
 *       #onDiscovered} on the coordinator thread.
 *   <li>{@link SplitAssignments}: new splits are assigned as soon as their owner is registered
 *       ({@link #addReader}); splits of a failed reader come back through {@link #addSplitsBack}
 *       and are assigned again when it re-registers. Bounded: once the first discovery is done,
 *       every reader is told {@code signalNoMoreSplits}, including readers that got no split.
 *   <li>{@link StreamAnnouncements}: with an announcements channel ({@link AnnouncementChannel},
 *       its own reader thread), each announced stream is placed on the least-loaded subtask ({@link
 *       StreamPlacement}): its channels become splits under a key that subtask owns, all assigned
 *       in one go (so that the reader starts the stream before any of its channels produce). The
 *       stream stays in the state until its main channel ends ({@link ChannelFinishedEvent}); the
 *       registry of active streams is published after each change and on request.
 * </ol>
 *
 * <p>A stream's splits are always assigned together, in one assignment per reader.
 *
 * <p>Threads: every {@link SplitEnumerator} method, and every handler of the parts, runs on the
 * SourceCoordinator thread, which alone touches the state; blocking I/O runs elsewhere: discovery
 * on the context's worker thread ({@code callAsync}), the announcements on their channel's threads,
 * which hand messages over with {@code runInCoordinatorThread}.
 */
@Internal
public final class TrickleSourceEnumerator
        implements SplitEnumerator<TrickleChannelSplit, TrickleSourceEnumState> {

    private static final Logger LOG = LoggerFactory.getLogger(TrickleSourceEnumerator.class);

    private final SplitEnumeratorContext<TrickleChannelSplit> context;
    private final SplitDiscovery splitDiscovery;
    private final Duration discoveryInterval;
    private final boolean bounded;
    private final SplitAssignments assignments;
    private final StreamAnnouncements announced;

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
        this.splitDiscovery =
                new SplitDiscovery(
                        fixedChannels, channelStarts, discovery, start, bounded, clientConfig);
        this.discoveryInterval = discoveryInterval;
        this.bounded = bounded;
        // No split comes after the first discovery: bounded reading, or a fixed channel list
        // without announcements. Readers are then told so, and the source finishes once all its
        // channels have ended.
        boolean noMoreAfterDiscovery = bounded || (discovery == null && announcements == null);
        this.assignments =
                new SplitAssignments(context, maxParallelism, noMoreAfterDiscovery, restored);
        this.announced =
                new StreamAnnouncements(
                        context,
                        assignments,
                        announcements,
                        registry,
                        registryOmits,
                        clientConfig,
                        start,
                        maxParallelism,
                        restored);
    }

    @Override
    public void start() {
        announced.start();
        if (!splitDiscovery.hasChannels()) {
            assignments.discovered(List.of()); // announcements only: nothing to discover
            return;
        }
        if (splitDiscovery.once()) {
            context.callAsync(splitDiscovery::discover, this::onDiscovered);
        } else {
            context.callAsync(
                    splitDiscovery::discover, this::onDiscovered, 0, discoveryInterval.toMillis());
        }
    }

    /** Coordinator thread. */
    private void onDiscovered(List<TrickleChannelSplit> found, Throwable error) {
        if (error != null) {
            if (!assignments.discoveredOnce()) {
                throw new FlinkRuntimeException("trickle channel discovery failed", error);
            }
            LOG.warn("trickle channel discovery failed, trying again later", error);
            return;
        }
        assignments.discovered(found);
        assignments.assignPending();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Splits are pushed to their owners; nothing to do on request.
    }

    @Override
    public void addSplitsBack(List<TrickleChannelSplit> splits, int subtaskId) {
        assignments.returned(splits);
        assignments.readerFailed(subtaskId);
        assignments.assignPending();
    }

    @Override
    public void addReader(int subtaskId) {
        assignments.assignPending();
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof SplitsReturnedEvent) {
            List<TrickleChannelSplit> splits = ((SplitsReturnedEvent) event).splits();
            for (TrickleChannelSplit split : splits) {
                LOG.info(
                        "trickle channel {} returned by subtask {}, re-assigning",
                        split.key(),
                        subtaskId);
            }
            assignments.returned(splits);
            assignments.assignPending();
        } else if (event instanceof SplitsHeldEvent) {
            // After a restore, a channel nobody holds ended meanwhile; so did its stream:
            // otherwise it would count as load forever, be listed in the registry, and block a
            // new run of its id.
            streamsEnded(assignments.held(subtaskId, ((SplitsHeldEvent) event).keys()));
        } else if (event instanceof ChannelFinishedEvent) {
            List<String> keys = ((ChannelFinishedEvent) event).keys();
            for (String key : keys) {
                LOG.info("trickle channel {} ended", key);
                if (!bounded) {
                    assignments.finished(key);
                }
            }
            streamsEnded(keys);
        }
    }

    /** The channels of {@code keys} ended: the streams they are the main channel of are over. */
    private void streamsEnded(List<String> keys) {
        boolean changed = false;
        for (String key : keys) {
            changed |= announced.ended(key);
        }
        if (changed) {
            announced.publishRegistry();
        }
    }

    @Override
    public TrickleSourceEnumState snapshotState(long checkpointId) {
        return new TrickleSourceEnumState(
                assignments.pending(),
                assignments.assigned(),
                announced.snapshot(),
                announced.nextSeq());
    }

    @Override
    public void close() {
        // The context stops the discovery calls.
        announced.close();
    }
}
