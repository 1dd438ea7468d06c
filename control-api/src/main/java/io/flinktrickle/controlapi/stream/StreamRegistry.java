package io.flinktrickle.controlapi.stream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's streams by id: active and failed ones, and the last {@link #KEPT_ENDED} that ended
 * (newest first), with the lookups the routes need.
 *
 * <p>Not thread-safe: every call is made under the {@link StreamManager}'s lock, which also makes
 * its check-then-act steps (start, stop, end) atomic.
 */
final class StreamRegistry {
    private static final int KEPT_ENDED = 16;

    /**
     * How long a failed stream keeps the runner in ERROR without a stop: go-livepeer's worker polls
     * /health every 5 s and replaces an ERROR container at once; BYOC never polls.
     */
    static final Duration FAILED_HOLD = Duration.ofSeconds(60);

    /**
     * With a capacity above 1, a stream that ended this recently makes a stop without X-Stream-Id
     * ambiguous (the caller may mean it): such a stop is refused rather than risk the wrong one.
     */
    private static final Duration RECENT = Duration.ofSeconds(30);

    private final int capacity;
    private final Map<String, ManagedStream> streams = new LinkedHashMap<>();
    private final Deque<ManagedStream> ended = new ArrayDeque<>();

    StreamRegistry(int capacity) {
        this.capacity = capacity;
    }

    ManagedStream get(String id) {
        return streams.get(id);
    }

    /** Adds {@code s}; a failed run of the same id it replaces moves to the ended ones. */
    void put(ManagedStream s) {
        ManagedStream replaced = streams.put(s.id, s);
        if (replaced != null && replaced != s) {
            remember(replaced);
        }
    }

    /** Moves {@code s} to the ended ones (if it is still the stream of its id). */
    void retire(ManagedStream s) {
        streams.remove(s.id, s);
        remember(s);
    }

    int activeCount() {
        return (int) streams.values().stream().filter(s -> s.phase.isActive()).count();
    }

    /** The first failed stream, or null. */
    ManagedStream failed() {
        for (ManagedStream s : streams.values()) {
            if (s.phase == ManagedStream.Phase.FAILED) {
                return s;
            }
        }
        return null;
    }

    /**
     * Whether {@code channel} is a channel of a stream that is not over: active, or ending (its
     * relay drains, its channels are not deleted yet).
     */
    boolean ownsChannel(String channel) {
        for (ManagedStream s : all()) {
            if ((s.phase.isActive() || s.cleaned.getCount() > 0)
                    && (channel.equals(s.paramsChannel) || channel.equals(s.eventsChannel))) {
                return true;
            }
        }
        return false;
    }

    /** Active and failed streams, then recently ended ones (newest first). */
    List<ManagedStream> all() {
        List<ManagedStream> all = new ArrayList<>(streams.values());
        all.addAll(ended);
        return all;
    }

    ManagedStream lastEnded() {
        return ended.peekFirst();
    }

    /** The stream {@code id} (also a recently ended one), or, without an id, the likeliest one. */
    ManagedStream find(String id) {
        if (id != null) {
            ManagedStream s = streams.get(id);
            return s != null
                    ? s
                    : ended.stream().filter(e -> e.id.equals(id)).findFirst().orElse(null);
        }
        for (ManagedStream s : streams.values()) {
            if (s.phase.isActive()) {
                return s;
            }
        }
        return !streams.isEmpty() ? streams.values().iterator().next() : ended.peekFirst();
    }

    /** Failed streams older than {@link #FAILED_HOLD} are let go: the runner leaves ERROR. */
    void expireFailed(long nowMillis) {
        for (ManagedStream s : new ArrayList<>(streams.values())) {
            if (s.phase == ManagedStream.Phase.FAILED
                    && nowMillis - s.endedMillis > FAILED_HOLD.toMillis()) {
                retire(s);
            }
        }
    }

    /** The stream {@code streamId} (or the sole one) if it is starting or running. */
    ManagedStream running(String streamId, String noneMessage) {
        ManagedStream s = streamId != null ? streams.get(streamId) : sole();
        if (s == null
                || !(s.phase == ManagedStream.Phase.STARTING
                        || s.phase == ManagedStream.Phase.RUNNING)) {
            throw new StreamException(
                    StreamException.Reason.NO_STREAM,
                    streamId == null ? noneMessage : noneMessage + " " + streamId);
        }
        return s;
    }

    /** The one stream when no id is given; several → the caller must name one. */
    ManagedStream sole() {
        List<ManagedStream> candidates = new ArrayList<>();
        for (ManagedStream s : streams.values()) {
            if (s.phase.isActive() || s.phase == ManagedStream.Phase.FAILED) {
                candidates.add(s);
            }
        }
        long now = System.currentTimeMillis();
        for (ManagedStream e : capacity == 1 ? List.<ManagedStream>of() : ended) {
            if (now - e.endedMillis < RECENT.toMillis() && !candidates.contains(e)) {
                candidates.add(e);
            }
        }
        if (candidates.size() > 1) {
            throw new StreamException(
                    StreamException.Reason.BAD_REQUEST,
                    candidates.size()
                            + " streams are active: name one with the X-Stream-Id header");
        }
        return candidates.isEmpty() || !streams.containsValue(candidates.get(0))
                ? null
                : candidates.get(0);
    }

    private void remember(ManagedStream s) {
        ended.remove(s);
        ended.addFirst(s);
        while (ended.size() > KEPT_ENDED) {
            ended.removeLast();
        }
    }
}
