package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;

/**
 * A stream's real-time schedule, from its video timestamps: how late a frame reaches the operator
 * compared with the pace of its pts since an anchor frame. Input that comes faster than real time
 * (a burst when a stream starts, a file) is early; input held back upstream, or a processor that
 * cannot keep up with a live stream, makes frames late. The anchor moves to the current frame
 * whenever the stream has nothing waiting (whatever was late before no longer is) and at a pts
 * discontinuity (back, or more than 10 s ahead).
 *
 * <p>Mailbox thread only.
 */
final class RealTimeClock {
    private static final long DISCONTINUITY_TICKS = 10 * Frame.TIME_BASE;

    private long anchorPts = Long.MIN_VALUE;
    private long anchorMillis;

    /** Notes a video frame's arrival; {@code idle}: nothing of the stream waits or is in flight. */
    void arrived(long pts, long nowMillis, boolean idle) {
        if (idle
                || anchorPts == Long.MIN_VALUE
                || pts < anchorPts
                || pts - anchorPts > DISCONTINUITY_TICKS + (nowMillis - anchorMillis) * 90) {
            anchorPts = pts;
            anchorMillis = nowMillis;
        }
    }

    /**
     * How many milliseconds behind its schedule a frame with {@code pts} is at {@code nowMillis}.
     */
    long lateMillis(long pts, long nowMillis) {
        if (anchorPts == Long.MIN_VALUE) {
            return 0;
        }
        return (nowMillis - anchorMillis) - (pts - anchorPts) / 90;
    }
}
