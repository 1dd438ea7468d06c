package io.flinktrickle.connector.trickle.source.split;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceSplit;

import java.io.Serializable;
import java.net.URI;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One channel to read: its stream key (the split id, and the key records are partitioned by), its
 * URL and its position. The position is the seq to read next ({@code -1}/{@code -2} before anything
 * was read) plus how many records of that segment were already emitted, so a restore re-reads the
 * segment and skips them (no duplicates). A split may carry <em>attributes</em>: strings that the
 * source hands to the decoder with the channel (e.g. a stream's frame size and output channels,
 * from a {@link io.flinktrickle.connector.trickle.source.StreamAnnouncement}); they are kept in
 * checkpoints with the position. Immutable; {@link TrickleChannelSplitState} is the mutable
 * counterpart.
 */
@Internal
public final class TrickleChannelSplit implements SourceSplit, Serializable {
    private static final long serialVersionUID = 1L;

    /** {@link #stoppingSeq()} of a split that is read until its channel ends. */
    public static final long NO_STOPPING_SEQ = Long.MIN_VALUE;

    private final String key;
    private final URI uri;
    private final long nextSeq;
    private final long recordsToSkip;
    private final long stoppingSeq;
    private final Map<String, String> attributes;

    public TrickleChannelSplit(
            String key, URI uri, long nextSeq, long recordsToSkip, long stoppingSeq) {
        this(key, uri, nextSeq, recordsToSkip, stoppingSeq, Map.of());
    }

    public TrickleChannelSplit(
            String key,
            URI uri,
            long nextSeq,
            long recordsToSkip,
            long stoppingSeq,
            Map<String, String> attributes) {
        this.key = Objects.requireNonNull(key, "key");
        this.uri = Objects.requireNonNull(uri, "uri");
        this.nextSeq = nextSeq;
        this.recordsToSkip = recordsToSkip;
        this.stoppingSeq = stoppingSeq;
        this.attributes =
                attributes.isEmpty()
                        ? Map.of()
                        : Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    @Override
    public String splitId() {
        return key;
    }

    public String key() {
        return key;
    }

    public URI uri() {
        return uri;
    }

    /** The seq to read next: {@code >= 0}, or {@code -1}/{@code -2} for the start position. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Records of segment {@link #nextSeq()} that were already emitted. */
    public long recordsToSkip() {
        return recordsToSkip;
    }

    /** The split ends before this seq (bounded reading), or {@link #NO_STOPPING_SEQ}. */
    public long stoppingSeq() {
        return stoppingSeq;
    }

    /** The channel's attributes (sorted by name; empty when it has none). */
    public Map<String, String> attributes() {
        return attributes;
    }

    public boolean isBounded() {
        return stoppingSeq != NO_STOPPING_SEQ;
    }

    public TrickleChannelSplit withPosition(long seq, long skip) {
        return new TrickleChannelSplit(key, uri, seq, skip, stoppingSeq, attributes);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrickleChannelSplit)) {
            return false;
        }
        TrickleChannelSplit s = (TrickleChannelSplit) o;
        return nextSeq == s.nextSeq
                && recordsToSkip == s.recordsToSkip
                && stoppingSeq == s.stoppingSeq
                && key.equals(s.key)
                && uri.equals(s.uri)
                && attributes.equals(s.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, uri, nextSeq, recordsToSkip, stoppingSeq, attributes);
    }

    @Override
    public String toString() {
        return "TrickleChannelSplit{"
                + key
                + " "
                + uri
                + " next="
                + nextSeq
                + " skip="
                + recordsToSkip
                + (isBounded() ? " stop=" + stoppingSeq : "")
                + (attributes.isEmpty() ? "" : " " + attributes.keySet())
                + "}";
    }
}
