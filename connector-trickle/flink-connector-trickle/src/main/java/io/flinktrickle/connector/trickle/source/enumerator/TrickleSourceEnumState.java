package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The enumerator's checkpoint: splits known but not assigned yet, the keys of the splits assigned
 * to readers (their positions live in the readers' state), the announced streams that are active
 * (by the key they are read under), and the seq of the next announcement to read.
 */
@Internal
public final class TrickleSourceEnumState {

    /** {@link #announcementsSeq()} of a source without announcements, or one that read none. */
    public static final long NO_ANNOUNCEMENTS = -1;

    private final Map<String, TrickleChannelSplit> pending;
    private final Set<String> assigned;
    private final Map<String, StreamAnnouncement> streams;
    private final long announcementsSeq;

    public TrickleSourceEnumState(Map<String, TrickleChannelSplit> pending, Set<String> assigned) {
        this(pending, assigned, Map.of(), NO_ANNOUNCEMENTS);
    }

    public TrickleSourceEnumState(
            Map<String, TrickleChannelSplit> pending,
            Set<String> assigned,
            Map<String, StreamAnnouncement> streams,
            long announcementsSeq) {
        this.pending = Collections.unmodifiableMap(new LinkedHashMap<>(pending));
        this.assigned = Collections.unmodifiableSet(new TreeSet<>(assigned));
        this.streams = Collections.unmodifiableMap(new TreeMap<>(streams));
        this.announcementsSeq = announcementsSeq;
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

    /** Active announced streams by the key they are read under. */
    public Map<String, StreamAnnouncement> streams() {
        return streams;
    }

    /** The seq of the next announcement to read, or {@link #NO_ANNOUNCEMENTS}. */
    public long announcementsSeq() {
        return announcementsSeq;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrickleSourceEnumState)) {
            return false;
        }
        TrickleSourceEnumState s = (TrickleSourceEnumState) o;
        return pending.equals(s.pending)
                && assigned.equals(s.assigned)
                && streams.equals(s.streams)
                && announcementsSeq == s.announcementsSeq;
    }

    @Override
    public int hashCode() {
        return (pending.hashCode() * 31 + assigned.hashCode()) * 31
                + streams.hashCode()
                + Long.hashCode(announcementsSeq);
    }

    @Override
    public String toString() {
        return "TrickleSourceEnumState{pending="
                + pending.values()
                + ", assigned="
                + assigned
                + ", streams="
                + streams.keySet()
                + ", announcementsSeq="
                + announcementsSeq
                + "}";
    }
}
