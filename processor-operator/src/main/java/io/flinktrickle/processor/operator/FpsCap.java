package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;

/**
 * The {@code max_framerate} cap of one stream, by pts: a frame passes when its pts reaches the next
 * due time, which then advances by one interval. Keeping a schedule (instead of comparing with the
 * last kept frame) gives the requested rate, e.g. 24 of 30 fps rather than 15. A jump in pts (a
 * discontinuity after a reconnect, or a pts that goes back) restarts the schedule. Mailbox thread
 * only.
 */
final class FpsCap {
    /** Half a millisecond: pts jitter that must not skip a frame. */
    private static final long TOLERANCE = Frame.TIME_BASE / 2_000;

    private static final long RESYNC = Frame.TIME_BASE; // 1 s

    private int fps;
    private long interval;
    private long nextDue = Long.MIN_VALUE;

    /** A skipped frame was an input keyframe: the next frame that passes takes its mark. */
    private boolean owesKeyframe;

    FpsCap(int fps) {
        setFps(fps);
    }

    /** 0 turns the cap off. */
    void setFps(int fps) {
        if (fps != this.fps) {
            nextDue = Long.MIN_VALUE; // a new rate starts a new schedule at the next frame
        }
        this.fps = fps;
        this.interval = fps > 0 ? Frame.TIME_BASE / fps : 0;
    }

    int fps() {
        return fps;
    }

    /**
     * Whether a video frame with this pts passes; a keyframe that does not pass leaves its mark to
     * the next frame that does ({@link #takeOwedKeyframe}).
     */
    boolean admit(long pts, boolean keyframe) {
        boolean admitted = admit(pts);
        owesKeyframe |= keyframe && !admitted;
        return admitted;
    }

    /** Whether a skipped keyframe's mark is owed to the frame just admitted; clears it. */
    boolean takeOwedKeyframe() {
        boolean owed = owesKeyframe;
        owesKeyframe = false;
        return owed;
    }

    /** Whether a video frame with this pts passes (and, if so, advances the schedule). */
    boolean admit(long pts) {
        if (interval == 0) {
            return true;
        }
        if (nextDue == Long.MIN_VALUE
                || pts < nextDue - interval - RESYNC
                || pts > nextDue + RESYNC) {
            nextDue = pts + interval;
            return true;
        }
        if (pts + TOLERANCE < nextDue) {
            return false;
        }
        nextDue += interval;
        if (nextDue <= pts) { // a small gap: do not let frames through in a burst afterwards
            nextDue = pts + interval;
        }
        return true;
    }
}
