package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.Internal;

/**
 * The {@code max_framerate} cap of one stream, by pts; the one rule the decoder and the processor
 * operator both apply. A frame passes when its pts reaches the next due time (less a tolerance of
 * an eighth of the interval, so that timestamps rounded to the millisecond, as RTMP ingest makes
 * them, lose no frame at a cap equal to the input's rate), which then advances by one interval.
 * Keeping a schedule (instead of comparing with the last kept frame) gives the requested rate, e.g.
 * 24 of 30 fps rather than 15. After a gap the schedule restarts at the next frame (no burst); a
 * jump of more than a second either way (a reconnect, a restarted source) starts a new one; a frame
 * up to a second behind the schedule (a repeat) does not pass.
 *
 * <p>It counts the frames skipped since the last one that passed (for the frame's {@code skipped}),
 * and a skipped input keyframe leaves its mark to the next frame that passes, so that the encoder
 * can still start its segments where the input's start.
 *
 * <p>Not thread-safe: one thread at a time (the decoder locks it; the operator's mailbox thread).
 */
@Internal
public final class FpsCap {

    private static final long RESYNC = Frame.TIME_BASE; // 1 s
    private static final int TOLERANCE_DIVISOR = 8;

    private int fps;
    private long interval;
    private long tolerance;
    private long nextDue = Long.MIN_VALUE;
    private int skipped;
    private boolean owesKeyframe;

    /** A cap of {@code fps} frames per second of pts (0: off). */
    public FpsCap(int fps) {
        setFps(fps);
    }

    /** Changes the rate, 0 turning the cap off; a new rate starts a new schedule. */
    public void setFps(int fps) {
        if (fps < 0) {
            throw new IllegalArgumentException("max_framerate must be 0 (off) or more: " + fps);
        }
        if (fps != this.fps) {
            nextDue = Long.MIN_VALUE;
        }
        this.fps = fps;
        this.interval = fps > 0 ? Frame.TIME_BASE / fps : 0;
        this.tolerance = interval / TOLERANCE_DIVISOR;
    }

    /**
     * A discontinuity (the decoder resynchronizes): the next frame starts a new schedule. A skipped
     * keyframe's mark is still owed.
     */
    public void restart() {
        nextDue = Long.MIN_VALUE;
    }

    public int fps() {
        return fps;
    }

    /**
     * Whether a video frame with this pts passes; a keyframe that does not pass leaves its mark to
     * the next frame that does ({@link #takeOwedKeyframe}).
     */
    public boolean admit(long pts, boolean keyframe) {
        boolean admitted = admit(pts);
        owesKeyframe |= keyframe && !admitted;
        return admitted;
    }

    /** Whether a video frame with this pts passes (and, if so, advances the schedule). */
    public boolean admit(long pts) {
        if (interval == 0) {
            return true;
        }
        if (nextDue == Long.MIN_VALUE
                || pts < nextDue - interval - RESYNC
                || pts > nextDue + RESYNC) {
            nextDue = pts + interval;
            return true;
        }
        if (pts < nextDue - tolerance) {
            skipped++;
            return false;
        }
        nextDue += interval;
        if (nextDue <= pts) { // a small gap: do not let frames through in a burst afterwards
            nextDue = pts + interval;
        }
        return true;
    }

    /** Frames skipped since the last one that passed; resets the count. */
    public int takeSkipped() {
        int s = skipped;
        skipped = 0;
        return s;
    }

    /** Whether a skipped keyframe's mark is owed to the frame just admitted; clears it. */
    public boolean takeOwedKeyframe() {
        boolean owed = owesKeyframe;
        owesKeyframe = false;
        return owed;
    }
}
