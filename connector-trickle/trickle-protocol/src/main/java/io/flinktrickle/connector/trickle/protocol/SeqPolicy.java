package io.flinktrickle.connector.trickle.protocol;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where a {@link TrickleSubscriber} goes on when the seq it asked for is not there (470, docs:
 * trickle-protocol.md §5.3): the live edge when it fell behind (or, keeping every segment, the
 * oldest a ring still holds), past a legacy server's empty segment, and, when the publisher's seqs
 * started over below the ones delivered (a restarted server or publisher), to the publisher's
 * current segment; when it is ahead of the live edge it waits a little, and never delivers a seq
 * twice.
 *
 * <p>Called by the subscriber's consumer thread only.
 */
final class SeqPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(SeqPolicy.class);

    /** {@link #afterMissing}: ask for the same seq again (after the wait it did). */
    static final long SAME = Long.MIN_VALUE;

    private final URI channel;
    private final boolean keepEverySegment;
    private final long refreshNanos;
    private final TrickleSubscriberMetrics metrics;

    private long aheadSince;
    private long lastDelivered = -1;

    SeqPolicy(
            URI channel,
            boolean keepEverySegment,
            Duration refreshInterval,
            TrickleSubscriberMetrics metrics) {
        this.channel = channel;
        this.keepEverySegment = keepEverySegment;
        this.refreshNanos = refreshInterval.toNanos();
        this.metrics = metrics;
    }

    /** A segment was answered (200). */
    void answered() {
        aheadSince = 0;
    }

    /** Segment {@code seq} was handed to the consumer. */
    void delivered(long seq) {
        lastDelivered = Math.max(lastDelivered, seq);
    }

    /**
     * The seq to ask for after a 470 for {@code requested}, or {@link #SAME} after a short wait.
     *
     * @param latest the server's {@code Lp-Trickle-Latest}, if it sent one
     * @param recentConnectionFailure whether the connection failed since the last segment
     */
    long afterMissing(long requested, Optional<Long> latest, boolean recentConnectionFailure)
            throws InterruptedException {
        long target;
        if (latest.isEmpty()) {
            target = TrickleProtocol.SEQ_NEXT;
        } else if (latest.get() > requested) {
            target = catchUpTarget(requested, latest.get());
            metrics.skippedSegments.add(requested >= 0 ? target - requested : 0);
        } else if (latest.get() == requested) {
            // Legacy servers answer 470 for a segment that closed empty: move past it.
            metrics.emptySegments.increment();
            target = requested + 1;
        } else if (recentConnectionFailure && latest.get() > 0 && latest.get() <= lastDelivered) {
            // Our connection failed since the last segment (a server restart) and a publisher
            // writes at or below a seq we delivered already: seqs started over on a fresh channel,
            // so the seqs already delivered say nothing. Go on at once.
            target = restartTarget(latest.get());
        } else if (aheadSince == 0 || System.nanoTime() - aheadSince < refreshNanos) {
            // Ahead of the live edge: usually the publisher is about to catch up. Wait a little.
            if (aheadSince == 0) {
                aheadSince = System.nanoTime();
            }
            Thread.sleep(TrickleProtocol.AHEAD_OF_LIVE_EDGE_RETRY.toMillis());
            return SAME;
        } else if (Math.max(latest.get() - 1, 0) <= lastDelivered) {
            // The publisher's current segment was already delivered (e.g. a legacy server's 470
            // after an empty last segment): wait for a new one, never deliver one twice.
            aheadSince = System.nanoTime();
            Thread.sleep(TrickleProtocol.AHEAD_OF_LIVE_EDGE_RETRY.toMillis());
            return SAME;
        } else {
            // Still ahead after a refresh interval: the publisher restarted with lower seqs (e.g.
            // a restored position on a recreated channel). Never stall: go to its current segment.
            target = restartTarget(latest.get());
        }
        aheadSince = 0;
        if (target != requested + 1) {
            metrics.jumps.increment();
            LOG.info(
                    "{}: segment {} is not available (live edge {}), moving to {}",
                    channel,
                    requested,
                    latest.orElse(-1L),
                    target);
        }
        return target;
    }

    /**
     * Where a subscriber that fell behind goes on: the live edge, or (keeping every segment) the
     * oldest seq a ring of {@link TrickleProtocol#DEFAULT_RETAINED_SEGMENTS} still holds; on a
     * server with a smaller ring that one answers 470 again and the next try moves one seq on.
     */
    private long catchUpTarget(long requested, long latest) {
        if (!keepEverySegment || requested < 0) {
            return latest;
        }
        return Math.max(requested + 1, latest - (TrickleProtocol.DEFAULT_RETAINED_SEGMENTS - 1));
    }

    /**
     * Where to go on when the publisher's seqs started over below ours: its current segment (media)
     * or the oldest a ring still holds (messages). Seqs delivered before no longer count.
     */
    private long restartTarget(long latest) {
        long target =
                keepEverySegment
                        ? Math.max(0, latest - TrickleProtocol.DEFAULT_RETAINED_SEGMENTS + 1)
                        : Math.max(latest - 1, 0);
        lastDelivered = target - 1;
        return target;
    }
}
