package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A decoded frame of one stream: {@link VideoFrame}, {@link AudioFrame}, or a {@link ControlFrame}
 * carrying a control message in band. Frames are immutable (the {@code with…} methods return copies
 * that share what did not change); timestamps are in the MPEG-TS 90 kHz time base.
 */
@PublicEvolving
public abstract class Frame {

    /** The 90 kHz clock of MPEG-TS timestamps. */
    public static final long TIME_BASE = 90_000;

    private final String streamKey;
    private final long pts;
    private final long arrivalMillis;

    Frame(String streamKey, long pts, long arrivalMillis) {
        this.streamKey = streamKey;
        this.pts = pts;
        this.arrivalMillis = arrivalMillis;
    }

    /** The stream (channel) this frame belongs to; the key frames are partitioned by. */
    public String streamKey() {
        return streamKey;
    }

    /** Presentation timestamp, 1/90 000 s. */
    public long pts() {
        return pts;
    }

    /** Wall-clock time by which this frame's bytes had arrived (for end-to-end latency). */
    public long arrivalMillis() {
        return arrivalMillis;
    }

    public abstract boolean isVideo();

    /** Whether this is an {@link AudioFrame}. */
    public boolean isAudio() {
        return !isVideo() && !isControl();
    }

    /** Whether this is a {@link ControlFrame} (a control message in band with the frames). */
    public boolean isControl() {
        return false;
    }
}
