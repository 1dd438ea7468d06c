package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which splits wait for their reader ({@code pending}) and which a reader has ({@code assigned}),
 * and the pushing of pending splits to the reader that owns their key ({@link
 * KeyGroupSplitAssigner}) as soon as it is registered, all of a reader's in one assignment (so a
 * stream's channels arrive together). Also tells readers {@code signalNoMoreSplits} when no split
 * comes after the first discovery, and after a restore lets go of assigned channels that no reader
 * holds any more.
 *
 * <p>Coordinator thread only (the enumerator's callbacks and {@code callAsync} handlers).
 */
final class SplitAssignments {

    private static final Logger LOG = LoggerFactory.getLogger(SplitAssignments.class);

    private final SplitEnumeratorContext<TrickleChannelSplit> context;
    private final int maxParallelism;

    /** Whether no split comes after the first discovery (readers are then told so). */
    private final boolean noMoreAfterDiscovery;

    private final Map<String, TrickleChannelSplit> pending;
    private final Set<String> assigned;
    private final Set<Integer> toldNoMoreSplits = new HashSet<>();

    /** The assigned keys of the restored state not yet confirmed by a reader (restore only). */
    private final Set<String> restoredAssigned;

    /** What each reader reported it reads, until every reader did (restore only). */
    private final Map<Integer, List<String>> heldBy = new HashMap<>();

    private boolean discoveredOnce;

    SplitAssignments(
            SplitEnumeratorContext<TrickleChannelSplit> context,
            int maxParallelism,
            boolean noMoreAfterDiscovery,
            TrickleSourceEnumState restored) {
        this.context = context;
        this.maxParallelism = maxParallelism;
        this.noMoreAfterDiscovery = noMoreAfterDiscovery;
        this.pending = new LinkedHashMap<>(restored.pending());
        this.assigned = new HashSet<>(restored.assigned());
        this.restoredAssigned = new HashSet<>(restored.assigned());
    }

    /** Whether a discovery completed (a source without one counts as discovered). */
    boolean discoveredOnce() {
        return discoveredOnce;
    }

    /** A discovery completed: {@code found}'s unknown channels become pending. */
    void discovered(List<TrickleChannelSplit> found) {
        for (TrickleChannelSplit split : found) {
            if (!assigned.contains(split.key()) && !pending.containsKey(split.key())) {
                LOG.info("new trickle channel {} at {}", split.key(), split.uri());
                pending.put(split.key(), split);
            }
        }
        discoveredOnce = true;
    }

    /** The splits of a placed stream become pending. */
    void addPlaced(List<TrickleChannelSplit> splits) {
        splits.forEach(split -> pending.put(split.key(), split));
    }

    /** A reader gave {@code splits} back: pending again. */
    void returned(List<TrickleChannelSplit> splits) {
        for (TrickleChannelSplit split : splits) {
            assigned.remove(split.key());
            pending.put(split.key(), split);
        }
    }

    /** A reader failed: it is told {@code signalNoMoreSplits} again once it has its splits. */
    void readerFailed(int subtaskId) {
        toldNoMoreSplits.remove(subtaskId);
    }

    /** The channel ended: it is no reader's any more. */
    void finished(String key) {
        assigned.remove(key);
    }

    /** Assigns every pending split whose owner is registered; then signals no more splits. */
    void assignPending() {
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
        if (noMoreAfterDiscovery && discoveredOnce) {
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
     * A reader said which channels it reads ({@link SplitsHeldEvent}). After a restore, once every
     * reader did: a channel the restored state lists as assigned that no reader holds (and that is
     * not pending again) ended between the enumerator's and the readers' parts of the checkpoint,
     * and is let go.
     *
     * @return the keys let go (their streams are over too); empty until every reader answered
     */
    List<String> held(int subtaskId, List<String> keys) {
        if (restoredAssigned.isEmpty()) {
            return List.of();
        }
        heldBy.put(subtaskId, keys);
        if (heldBy.size() < context.currentParallelism()) {
            return List.of();
        }
        Set<String> alive = new HashSet<>(pending.keySet());
        heldBy.values().forEach(alive::addAll);
        List<String> gone = new ArrayList<>();
        for (String key : restoredAssigned) {
            if (!alive.contains(key) && assigned.remove(key)) {
                LOG.info("trickle channel {} ended before the restored checkpoint completed", key);
                gone.add(key);
            }
        }
        restoredAssigned.clear();
        heldBy.clear();
        return gone;
    }

    /** The stream keys of every known channel (pending or assigned). */
    Set<String> streamKeys() {
        Set<String> keys = new HashSet<>();
        for (String key : assigned) {
            keys.add(KeyGroupSplitAssigner.streamKeyOf(key));
        }
        for (String key : pending.keySet()) {
            keys.add(KeyGroupSplitAssigner.streamKeyOf(key));
        }
        return keys;
    }

    /** Splits known but not assigned yet (a view: the checkpoint copies it). */
    Map<String, TrickleChannelSplit> pending() {
        return Collections.unmodifiableMap(pending);
    }

    /** Keys of the splits a reader has (a view: the checkpoint copies it). */
    Set<String> assigned() {
        return Collections.unmodifiableSet(assigned);
    }
}
