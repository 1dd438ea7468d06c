package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The enumerator's checkpoint: splits known but not assigned yet, and the keys of the splits
 * assigned to readers (their positions live in the readers' state).
 */
@Internal
public final class TrickleSourceEnumState {
    private final Map<String, TrickleChannelSplit> pending;
    private final Set<String> assigned;

    public TrickleSourceEnumState(Map<String, TrickleChannelSplit> pending, Set<String> assigned) {
        this.pending = Collections.unmodifiableMap(new LinkedHashMap<>(pending));
        this.assigned = Collections.unmodifiableSet(new TreeSet<>(assigned));
    }

    public static TrickleSourceEnumState empty() {
        return new TrickleSourceEnumState(Map.of(), Set.of());
    }

    public Map<String, TrickleChannelSplit> pending() {
        return pending;
    }

    public Set<String> assigned() {
        return assigned;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrickleSourceEnumState
                && pending.equals(((TrickleSourceEnumState) o).pending)
                && assigned.equals(((TrickleSourceEnumState) o).assigned);
    }

    @Override
    public int hashCode() {
        return pending.hashCode() * 31 + assigned.hashCode();
    }

    @Override
    public String toString() {
        return "TrickleSourceEnumState{pending="
                + pending.values()
                + ", assigned="
                + assigned
                + "}";
    }
}
